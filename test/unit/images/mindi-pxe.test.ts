// The kernel arguments of a Mondo image's restore entry (MondoRescue's
// README.pxe): isolinux.cfg's label, then pxe, prefix=, ipconf=, netfs=.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolinuxArgs, mindiPxeArgs } from '../../../plugin/images/mindi-pxe.js';
import type { ImageManifest } from '../../../plugin/images/manifest.js';

const CFG = `default interactive
prompt 1
label interactive
  kernel /vmlinuz
  append initrd=/initrd.img load_ramdisk=1 ramdisk_size=36864 rw root=/dev/ram iso_mode interactive
label nuke
  kernel /vmlinuz
  append initrd=/initrd.img load_ramdisk=1 ramdisk_size=36864 rw root=/dev/ram iso_mode nuke
`;

const file = { file: 'x', bytes: 1, sha256: '0'.repeat(64) };
const mondoImage = (nics?: ImageManifest['nics']) =>
  ({
    name: 'web01-mondo',
    ...(nics ? { nics } : {}),
    mondo: { filesystems: [], prefix: 'web01-mondo', argv: [], mindi: { kernel: file, initrd: file, args: ['rw', 'root=/dev/ram', 'iso_mode', 'nuke'] } },
  }) as unknown as ImageManifest;

test("isolinux.cfg's nuke label is taken (the unattended restore), initrd= left to the boot entry", () => {
  assert.deepEqual(isolinuxArgs(CFG), ['load_ramdisk=1', 'ramdisk_size=36864', 'rw', 'root=/dev/ram', 'iso_mode', 'nuke']);
});

test('without a nuke label the default label is taken, then the first', () => {
  const noNuke = CFG.slice(0, CFG.indexOf('label nuke'));
  assert.deepEqual(isolinuxArgs(noNuke).at(-1), 'interactive');
  assert.deepEqual(isolinuxArgs('label only\n append a b\n'), ['a', 'b']);
  assert.deepEqual(isolinuxArgs(''), []);
});

test("the entry's arguments: the label's, pxe, the ISOs' prefix, DHCP on the source's primary NIC, the image's directory on the export", () => {
  assert.deepEqual(mindiPxeArgs(mondoImage([{ name: 'eno1', mac: '52:54:00:00:00:01' }]), 'nfs://192.0.2.10:/export/images/'), [
    'rw',
    'root=/dev/ram',
    'iso_mode',
    'nuke',
    'pxe',
    'prefix=web01-mondo',
    'ipconf=eno1:dhcp',
    'netfs=nfs://192.0.2.10:/export/images/web01-mondo',
  ]);
  assert.equal(mindiPxeArgs(mondoImage(), 'nfs://s:/e').at(-2), 'ipconf=eth0:dhcp');
});

test('a tar+zstd image has no mindi entry', () => {
  assert.throws(() => mindiPxeArgs({ name: 'plain' } as ImageManifest, 'nfs://s:/e'), /image plain is not a Mondo image/);
});
