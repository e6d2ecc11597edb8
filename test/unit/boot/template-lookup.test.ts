import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BootPolicy } from '../../../plugin/boot/boot-inputs.js';
import { BOOT_LOADERS } from '../../../plugin/boot/loaders/index.js';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import { SHIPPED_TEMPLATE_DIR, templateCandidates, templatePaths } from '../../../plugin/boot/template-lookup.js';
import { BOOT_MAC, POLICY, requestFor, STATES, twoNicHost, variables } from './two-nic-host.js';

let override = '';
let emptyShipped = '';

async function put(relative: string, text: string): Promise<void> {
  await mkdir(join(override, relative, '..'), { recursive: true });
  await writeFile(join(override, relative), text);
}

function withOverride(extra: Partial<BootPolicy> = {}): BootPolicy {
  return { ...POLICY, templateOverrideDir: override, ...extra };
}

const render = (policy: BootPolicy, kind: keyof typeof STATES = 'install') =>
  renderBootConfig(requestFor('grub', BOOT_MAC), twoNicHost(STATES[kind]), policy, variables());

describe('boot template lookup', () => {
  before(async () => {
    override = await mkdtemp(join(tmpdir(), 'dploy-boot-override-'));
    emptyShipped = await mkdtemp(join(tmpdir(), 'dploy-boot-shipped-'));
  });
  after(async () => {
    await rm(override, { recursive: true, force: true });
    await rm(emptyShipped, { recursive: true, force: true });
  });

  it('tries state.arch.os-family, then state.arch, then state', () => {
    assert.deepEqual(templateCandidates({ loader: 'grub', state: 'install', arch: 'x86_64', osFamily: 'debian' }), [
      'grub/install.x86_64.debian.eta',
      'grub/install.x86_64.eta',
      'grub/install.eta',
    ]);
    assert.deepEqual(templateCandidates({ loader: 'ipxe', state: 'localboot' }), ['ipxe/localboot.eta']);
  });

  it('searches the override directory before the shipped one', () => {
    assert.deepEqual(templatePaths({ loader: 'pxelinux', state: 'discover', arch: 'i386' }, ['/etc/dploy/boot', '/usr/share/dploy/boot']), [
      '/etc/dploy/boot/pxelinux/discover.i386.eta',
      '/etc/dploy/boot/pxelinux/discover.eta',
      '/usr/share/dploy/boot/pxelinux/discover.i386.eta',
      '/usr/share/dploy/boot/pxelinux/discover.eta',
    ]);
  });

  it('uses the shipped template when the override directory has none', async () => {
    assert.match((await render(withOverride())) ?? '', /^menuentry 'Install debian-12-web on web01' \{$/m);
  });

  it('prefers any override file to the shipped one, and the most specific override of all', async () => {
    await put('grub/install.eta', 'generic override for <%= it.hostName %>\n');
    assert.equal(await render(withOverride()), 'generic override for web01\n');
    await put('grub/install.x86_64.eta', 'x86_64 override\n');
    assert.equal(await render(withOverride()), 'x86_64 override\n');
    await put('grub/install.x86_64.debian.eta', 'debian on x86_64: <%= it.commandLine %>\n');
    assert.match((await render(withOverride())) ?? '', /^debian on x86_64: 'auto=true'/);
  });

  it('reads an edited override on the next request', async () => {
    await put('grub/rescue.eta', 'first\n');
    assert.equal(await render(withOverride(), 'rescue'), 'first\n');
    await put('grub/rescue.eta', 'second\n');
    assert.equal(await render(withOverride(), 'rescue'), 'second\n');
  });

  it('reads an override edited to the same size, and falls back to the shipped one when it is removed', async () => {
    await put('grub/localboot.eta', 'one\n');
    assert.equal(await render(withOverride(), 'localboot'), 'one\n');
    // Texts are cached by stat: the kernel's file clock moves in ticks of a few ms, and an edit is told by its time.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put('grub/localboot.eta', 'two\n');
    assert.equal(await render(withOverride(), 'localboot'), 'two\n');
    await rm(join(override, 'grub/localboot.eta'));
    assert.notEqual(await render(withOverride(), 'localboot'), 'two\n');
  });

  it('lists every path it tried when no template exists', async () => {
    const policy = withOverride({ shippedTemplateDir: emptyShipped });
    await assert.rejects(render(policy, 'restore'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DPLOY_ERR_BOOT_CONFIG');
      const tried = ['restore.x86_64.eta', 'restore.eta'].flatMap((name) => [join(override, 'grub', name), join(emptyShipped, 'grub', name)]);
      for (const path of tried) assert.ok(err.message.includes(path), `${path} missing from: ${err.message}`);
      assert.ok(err.message.indexOf(join(override, 'grub', 'restore.eta')) < err.message.indexOf(join(emptyShipped, 'grub', 'restore.x86_64.eta')));
      return true;
    });
  });

  it('reports a template that does not compile with its path', async () => {
    await put('grub/discover.eta', '<% if ( %>\n');
    await assert.rejects(render(withOverride(), 'discover'), (err: Error) => err.message.includes(join(override, 'grub/discover.eta')));
  });

  it('refuses an architecture or OS family that could climb out of the template directory', () => {
    assert.throws(() => templateCandidates({ loader: 'grub', state: 'install', arch: '../../etc' }), { code: 'DPLOY_ERR_BOOT_CONFIG' });
    assert.throws(() => templateCandidates({ loader: 'grub', state: 'install', arch: 'x86_64', osFamily: 'a/b' }), { code: 'DPLOY_ERR_BOOT_CONFIG' });
  });

  it('ships a generic template for every loader and state', () => {
    const missing = BOOT_LOADERS.flatMap((loader) => Object.keys(STATES).map((kind) => join(SHIPPED_TEMPLATE_DIR, loader, `${kind}.eta`))).filter(
      (path) => !existsSync(path),
    );
    assert.deepEqual(missing, []);
  });
});
