// The plan of the chain's chosen paths (dploy-restore --paths reads it),
// compared whole: which archive holds each path, filesystems below a chosen
// path whole, what the new install keeps excluded, bad paths refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRestorePaths, pathsPlan } from '../../../plugin/images/paths-plan.js';
import type { FilesystemEntry, ImageManifest } from '../../../plugin/images/manifest.js';

const fs = (mountpoint: string, file: string): FilesystemEntry => ({
  device: `/dev/sda${file[0]}`,
  mountpoint,
  fstype: 'ext4',
  sizeBytes: 1,
  usedBytes: 1,
  archive: { file, bytes: 10, sha256: file[0]!.repeat(64), format: 'tar+zstd' },
});

const manifest = {
  format: 'dploy-image/1',
  name: 'web01-7',
  filesystems: [fs('/', '1-root.tar.zst'), fs('/boot', '2-boot.tar.zst'), fs('/home', '3-home.tar.zst'), fs('/srv/web data', '4-web.tar.zst')],
} as unknown as ImageManifest;

test("each path comes from the filesystem it lies in; a filesystem below a chosen path comes whole; fstab, crypttab and /boot stay the install's", () => {
  assert.equal(
    pathsPlan(manifest, ['/etc', '/srv', '/home/alice', '/root/']),
    [
      '# dploy restore paths 1',
      'image web01-7',
      `archive 1-root.tar.zst ${'1'.repeat(64)} / ./etc ./root ./srv`,
      'exclude 1-root.tar.zst ./etc/fstab',
      'exclude 1-root.tar.zst ./etc/crypttab',
      'exclude 1-root.tar.zst ./boot',
      `archive 3-home.tar.zst ${'3'.repeat(64)} /home ./alice`,
      `archive 4-web.tar.zst ${'4'.repeat(64)} /srv/web\\040data .`,
      'end',
      '',
    ].join('\n'),
  );
});

test('"/" is the whole image but the boot filesystem', () => {
  const plan = pathsPlan(manifest, ['/']);
  assert.deepEqual(
    plan
      .split('\n')
      .filter((l) => l.startsWith('archive'))
      .map((l) => l.split(' ').slice(1, 2).concat(l.split(' ').slice(3)).join(' ')),
    ['1-root.tar.zst / .', '3-home.tar.zst /home .', '4-web.tar.zst /srv/web\\040data .'],
  );
});

test('paths that are not absolute, climb out, hold spaces, or belong to the new install are refused with the reason', () => {
  for (const [path, why] of [
    ['etc', /must be absolute/],
    ['/etc/../boot', /without "\.\."/],
    ['/srv/a b', /spaces or tabs/],
    ['/boot/grub', /restore path \/boot\/grub belongs to the new install/],
    ['/etc/fstab', /belongs to the new install/],
  ] as const)
    assert.throws(() => checkRestorePaths([path]), why, path);
});
