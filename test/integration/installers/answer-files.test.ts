// For every release × architecture in the catalog: the boot config and answer
// file a two-NIC machine booting from its second NIC gets, compared whole
// against golden files (UPDATE_GOLDEN=1 rewrites them), checked by the real
// tool for its format where Debian has one, and pinned to the boot NIC by MAC.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CATALOG, type CatalogEntry, mediaKey, renderAnswerData } from '../../../plugin/installers/index.js';
import { answerFor, bootConfigFor, BOOT_MAC, dataFor, FIRST_MAC } from './answer-machine.js';
import { autoinstallProblems, autoyastProblems, kickstartProblems } from './answer-validators.js';

const GOLDEN = new URL('../../fixtures/answers/', import.meta.url);
const WORK = mkdtempSync(join(tmpdir(), 'dploy-answers-'));
const DASHED = `01-${BOOT_MAC.replace(/:/g, '-')}`;

function tool(name: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) assert.fail(`${name} is missing: apt-get install -y ${pkg}`);
}

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function validate(entry: CatalogEntry, answer: string): void {
  const file = join(WORK, `${mediaKey(entry)}.${entry.answerKind}`);
  writeFileSync(file, answer);
  switch (entry.answerKind) {
    case 'preseed': {
      tool('debconf-set-selections', 'debconf');
      const check = run('debconf-set-selections', ['--checkonly', file]);
      assert.equal(check.status, 0, `debconf-set-selections refused it:\n${check.out}`);
      return;
    }
    case 'autoyast': {
      tool('xmllint', 'libxml2-utils');
      const lint = run('xmllint', ['--noout', '--nonet', file]);
      assert.equal(lint.status, 0, `xmllint: ${lint.out}`);
      return assert.deepEqual(autoyastProblems(answer), []);
    }
    case 'autoinstall':
      assert.ok(answer.startsWith('#cloud-config\n'), 'cloud-init reads user-data only after #cloud-config');
      return assert.deepEqual(autoinstallProblems(parseYaml(answer)), []);
    case 'kickstart':
      return assert.deepEqual(kickstartProblems(answer), []);
  }
}

/** The boot NIC is pinned by MAC on the kernel line and in the answer file, in each family's own way. */
function assertPinned(entry: CatalogEntry, boot: string, answer: string, args: string[]): void {
  assert.ok(boot.includes('IPAPPEND 2') || boot.includes(`BOOTIF=${DASHED}`), 'the boot renderer passes BOOTIF');
  switch (entry.answerKind) {
    case 'kickstart':
      if (entry.legacy) return assert.ok(args.includes(`ksdevice=${BOOT_MAC}`));
      assert.ok(args.includes(`ifname=nic1:${BOOT_MAC}`) && args.includes(`ifname=nic0:${FIRST_MAC}`) && args.includes('ip=nic1:dhcp'), args.join(' '));
      return assert.match(answer, /^network --bootproto=dhcp --device=nic1 /m);
    case 'preseed':
      assert.ok(args.includes('netcfg/choose_interface=auto'));
      return assert.match(renderAnswerData(dataFor(entry), 'post.sh'), new RegExp(`MACAddress=${BOOT_MAC}\\nType=ether\\n\\n\\[Link\\]\\nName=nic1`));
    case 'autoyast':
      assert.ok(args.includes(`netdevice=${BOOT_MAC}`));
      return assert.match(answer, new RegExp(`<name>nic1</name>\\s*<rule>ATTR\\{address\\}</rule>\\s*<value>${BOOT_MAC}</value>`));
    case 'autoinstall': {
      const eth = (
        parseYaml(answer) as { autoinstall: { network: { ethernets: Record<string, { match: { macaddress: string }; dhcp4: boolean; 'set-name': string }> } } }
      ).autoinstall.network.ethernets;
      assert.deepEqual({ mac: eth.nic1?.match.macaddress, dhcp: eth.nic1?.dhcp4, name: eth.nic1?.['set-name'] }, { mac: BOOT_MAC, dhcp: true, name: 'nic1' });
      return assert.equal(eth.nic0?.dhcp4, false);
    }
  }
}

for (const entry of CATALOG) {
  const key = mediaKey(entry);
  test(`${key} (${entry.answerKind}): the golden boot config and answer file pin the second NIC by MAC and pass the format's checks`, async () => {
    const data = dataFor(entry);
    const boot = await bootConfigFor(entry, data);
    const answer = answerFor(data);
    validate(entry, answer);
    assertPinned(entry, boot, answer, data.kernelArgs);
    const whole = `## boot config\n${boot}\n## answer file (${entry.answerKind})\n${answer}`;
    const golden = new URL(`${key}.txt`, GOLDEN);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) {
      if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`no golden file ${golden.pathname}; run with UPDATE_GOLDEN=1 and review it`);
      writeFileSync(golden, whole);
    }
    assert.equal(whole, readFileSync(golden, 'utf8'));
  });
}

test('every post-install script is valid POSIX sh (dash -n), for every answer-file kind and partitioning scheme', () => {
  for (const entry of CATALOG.filter((e, i) => CATALOG.findIndex((x) => x.answerKind === e.answerKind && !!x.legacy === !!e.legacy) === i)) {
    for (const scheme of ['single', 'lvm', 'raid1']) {
      const file = join(WORK, `post-${mediaKey(entry)}-${scheme}.sh`);
      writeFileSync(file, renderAnswerData(dataFor(entry, { partitioning: { scheme } }), 'post.sh'));
      const check = run('dash', ['-n', file]);
      assert.equal(check.status, 0, `${file}: ${check.out}`);
    }
  }
});
