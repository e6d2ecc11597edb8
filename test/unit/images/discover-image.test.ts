// What discovery and restores boot: dploy's environment where it is built for
// the machine's architecture, mindi otherwise (auto), or what the operator chose.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverImageFor, discoveryAtStart, restoreImageFor, type DiscoverImageSettings } from '../../../plugin/bootenv/discover-image.js';
import { DployError } from '../../../plugin/errors.js';

const MINDI = { kernel: 'mindi/vmlinuz', initrd: 'mindi/initrd.img', args: 'load_ramdisk=1 pxe' };

function site(environment: DiscoverImageSettings['environment'], built: string[] = [], mindiFiles = false): DiscoverImageSettings {
  const tftpRoot = mkdtempSync(join(tmpdir(), 'dploy-discover-image-'));
  for (const arch of built) {
    mkdirSync(join(tftpRoot, 'dploy', arch), { recursive: true });
    writeFileSync(join(tftpRoot, 'dploy', arch, 'manifest.json'), '{}');
  }
  if (mindiFiles) {
    mkdirSync(join(tftpRoot, 'mindi'));
    writeFileSync(join(tftpRoot, MINDI.kernel), 'kernel');
  }
  return { environment, tftpRoot, bootEnvArgs: 'console=tty0', mindi: MINDI };
}

test('auto: a built architecture boots dploy’s environment, others (and IA-64) boot mindi', () => {
  const image = discoverImageFor(site('auto', ['amd64']));
  assert.deepEqual(image({ arch: 'x86_64' }), { kernel: 'dploy/amd64/vmlinuz', initrd: 'dploy/amd64/initrd.img', args: 'console=tty0' });
  // A machine dploy knows nothing of (a BIOS PXE ROM does not say its architecture) is taken for x86-64.
  assert.equal(image({}).kernel, 'dploy/amd64/vmlinuz');
  assert.deepEqual(image({ arch: 'aarch64' }), MINDI);
  assert.deepEqual(image({ arch: 'ia64' }), MINDI);
});

test('auto with nothing built boots mindi, as before dploy had its own environment', () => {
  assert.deepEqual(discoverImageFor(site('auto'))({ arch: 'x86_64' }), MINDI);
});

test('the operator’s choice wins: mindi even where dploy’s is built, dploy’s even where it is not (yet)', () => {
  assert.deepEqual(discoverImageFor(site('mindi', ['amd64']))({ arch: 'x86_64' }), MINDI);
  assert.equal(discoverImageFor(site('dploy'))({ arch: 'aarch64' }).kernel, 'dploy/arm64/vmlinuz');
});

test('a restore boots dploy’s environment and never falls back to mindi by itself', () => {
  assert.equal(restoreImageFor(site('auto', ['amd64']))({ arch: 'x86_64' }).kernel, 'dploy/amd64/vmlinuz');
  assert.throws(
    () => restoreImageFor(site('auto', ['amd64'], true))({ arch: 'aarch64' }),
    (err: unknown) =>
      err instanceof DployError &&
      err.code === 'DPLOY_ERR_BOOT_CONFIG' &&
      /for arm64 is not built .*manifest\.json is missing.*dploy boot-env build --arch arm64/.test(err.message),
  );
  assert.throws(() => restoreImageFor(site('auto', ['amd64']))({ arch: 'ia64' }), /no build for ia64 machines/);
  assert.deepEqual(restoreImageFor(site('mindi', ['amd64']))({ arch: 'x86_64' }), MINDI);
});

test('a build that appears while dploy runs is booted within seconds', async (t) => {
  const s = site('auto');
  const image = discoverImageFor(s);
  assert.deepEqual(image({ arch: 'x86_64' }), MINDI);
  mkdirSync(join(s.tftpRoot, 'dploy', 'amd64'), { recursive: true });
  writeFileSync(join(s.tftpRoot, 'dploy', 'amd64', 'manifest.json'), '{}');
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 6_000 });
  assert.equal(image({ arch: 'x86_64' }).kernel, 'dploy/amd64/vmlinuz');
});

test('at start: what discovery boots, and a warning when an unknown machine would get nothing bootable', () => {
  assert.deepEqual(discoveryAtStart(site('auto', ['amd64', 'arm64'])), {
    discovery: "auto: dploy's boot environment (amd64, arm64), else mindi (mindi/vmlinuz, missing)",
  });
  assert.deepEqual(discoveryAtStart(site('auto', [], true)), { discovery: "auto: dploy's boot environment (not built), else mindi (mindi/vmlinuz)" });
  assert.match(discoveryAtStart(site('auto')).warning ?? '', /neither dploy's boot environment nor mindi.*dploy boot-env build/);
  assert.match(discoveryAtStart(site('mindi', ['amd64'])).warning ?? '', /mindi\/vmlinuz is not in the TFTP root/);
  assert.match(discoveryAtStart(site('dploy', [], true)).warning ?? '', /none is built/);
});
