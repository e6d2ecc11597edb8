// pxelinux configs checked against the documentation Debian ships with the
// syslinux version it packages (syslinux-common, 3:6.04~git20190206 on
// Debian 12): every directive dploy writes must be documented there, and the
// config-file search order must be the one that documentation gives.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import { pxelinuxSearchOrder } from '../../../plugin/boot/loaders/index.js';
import type { BootStateKind } from '../../../plugin/model/host.js';
import { debianDoc } from './debian-tools.js';
import { BOOT_MAC, POLICY, requestFor, STATES, twoNicHost, UNKNOWN_MAC, variables } from './two-nic-host.js';

const DOCS = '/usr/share/doc/syslinux-common';

function documentedDirectives(): { directives: Set<string>; menu: Set<string> } {
  const cfg = debianDoc(`${DOCS}/asciidoc/syslinux.cfg.txt.gz`, 'syslinux-common');
  const menuDoc = debianDoc(`${DOCS}/txt/menu.txt.gz`, 'syslinux-common');
  const directives = new Set([...cfg.matchAll(/^\*([A-Z][A-Z0-9_-]*)\*/gm)].map((m) => m[1] ?? ''));
  const menu = new Set([...menuDoc.matchAll(/^\s*MENU ([A-Z]+)/gm)].map((m) => m[1] ?? ''));
  return { directives, menu };
}

/** Lines whose directive the documentation does not name (syslinux keywords are case-insensitive). */
function undocumentedLines(config: string, docs: ReturnType<typeof documentedDirectives>): string[] {
  return config.split('\n').filter((line) => {
    const words = line.trim().split(/\s+/);
    const [first = '', second = ''] = words.map((word) => word.toUpperCase());
    if (first === '' || first.startsWith('#')) return false;
    if (!docs.directives.has(first)) return true;
    return first === 'MENU' && !docs.menu.has(second);
  });
}

describe("pxelinux configs against Debian's syslinux documentation", () => {
  const docs = documentedDirectives();

  it('the check finds a directive the documentation does not have', () => {
    assert.deepEqual(undocumentedLines('DEFAULT x\nLINUXEFI /vmlinuz\nMENU SPARKLE\n', docs), ['LINUXEFI /vmlinuz', 'MENU SPARKLE']);
  });

  const kinds = Object.keys(STATES) as BootStateKind[];
  for (const kind of kinds) {
    it(`the ${kind} config uses only documented directives`, async () => {
      const text = await renderBootConfig(requestFor('pxelinux', BOOT_MAC), twoNicHost(STATES[kind]), POLICY, variables());
      assert.ok(text);
      assert.deepEqual(undocumentedLines(text, docs), []);
    });
  }

  it("an unknown machine's discover config uses only documented directives", async () => {
    const text = await renderBootConfig(requestFor('pxelinux', UNKNOWN_MAC), undefined, POLICY, variables());
    assert.deepEqual(undocumentedLines(text ?? '', docs), []);
  });

  it('IPAPPEND 2 is documented as adding BOOTIF', () => {
    const cfg = debianDoc(`${DOCS}/asciidoc/syslinux.cfg.txt.gz`, 'syslinux-common');
    assert.match(cfg, /\*2\*::: [\s\S]{0,400}BOOTIF=/);
  });

  it('asks for config files in the order of the documented example', () => {
    const doc = debianDoc(`${DOCS}/asciidoc/pxelinux.txt.gz`, 'syslinux-common');
    const example = [...doc.matchAll(/^\t(mybootdir\/pxelinux\.cfg\/\S+)$/gm)].map((m) => m[1]);
    assert.equal(example.length, 11, 'the documentation example changed shape');
    const ours = pxelinuxSearchOrder({ uuid: 'b8945908-d6a6-41a9-611d-74a6ab80b83d', mac: '88:99:aa:bb:cc:dd', ip: '192.168.2.91' }, 'mybootdir');
    assert.deepEqual(ours, example);
  });
});
