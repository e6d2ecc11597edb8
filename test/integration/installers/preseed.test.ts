// The Debian preseed slice of the installers: profiles refused field by field,
// the install disk chosen from a real inventory, the rendered preseed checked
// by debconf's own parser (debconf-set-selections --checkonly).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { listProfiles, parseProfile, renderAnswerFile, saveProfile } from '../../../plugin/installers/index.js';
import { isDployError } from '../../../plugin/errors.js';
import type { Host } from '../../../plugin/model/host.js';
import type { Job } from '../../../plugin/model/job.js';
import { openTestStore } from '../../support/databases.js';

const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
const QEMU = parseInventory(readFileSync(new URL('../../fixtures/lshw/qemu-ovmf-q35.xml', import.meta.url)), 'xml');
const host: Host = {
  id: 7,
  name: 'web07.example.net',
  macs: ['52:54:00:d0:00:12'],
  bootState: { kind: 'localboot' },
  createdAt: new Date(),
  updatedAt: new Date(),
};
const BOOT_NIC = { mac: '52:54:00:d0:00:12', why: 'boot request' } as const;
const job: Job = {
  id: 42,
  hostId: 7,
  kind: 'install',
  state: 'booting',
  profile: 'debian-12-web',
  token: 'tok_0123456789abcdefghijABCDEFGHIJ',
  attempts: 0,
  stateEnteredAt: new Date(),
  createdAt: new Date(),
  updatedAt: new Date(),
};

test('a profile with a wrong value is refused with a message naming each field', () => {
  const bad = { ...PROFILE, distro: 'debian', release: '12', timezone: 'Paris!', rootPasswordHash: '$1$abc$def', packages: ['Nginx;rm'] };
  assert.throws(
    () => parseProfile(bad),
    (err) => {
      assert.ok(isDployError(err, 'DPLOY_ERR_INVALID_INPUT'));
      assert.match(err.message, /timezone: a tz name/);
      assert.match(err.message, /rootPasswordHash: an MD5 \(\$1\$\) hash is broken; use "mkpasswd -m sha-512"/);
      assert.match(err.message, /packages\.0: a package name/);
      assert.doesNotMatch(err.message, /distro\/release\/arch/);
      return true;
    },
  );
  assert.throws(() => parseProfile({ ...PROFILE, distro: 'plan9' }), /distro\/release\/arch: unknown distro "plan9"; the catalog has .*debian/);
  assert.throws(() => parseProfile({ ...PROFILE, release: '7' }), /no catalog entry for debian 7 x86_64; known: debian 11/);
});

test('a refused profile leaves nothing saved', async () => {
  const { store, dispose } = await openTestStore('sqlite');
  try {
    await assert.rejects(saveProfile(store.db.manager, { ...PROFILE, keyboard: 'US-intl!' }, { replace: false }), /keyboard/);
    assert.deepEqual(await listProfiles(store.db.manager), []);
    await saveProfile(store.db.manager, PROFILE, { replace: false });
    await assert.rejects(saveProfile(store.db.manager, PROFILE, { replace: false }), /exists; use --replace/);
  } finally {
    await dispose();
  }
});

test('the preseed installs on the disk the inventory shows, passes debconf-set-selections --checkonly, and calls back with the job token', () => {
  const preseed = renderAnswerFile({ host, job, profile: parseProfile(PROFILE), inventory: QEMU, httpBaseUrl: 'http://192.0.2.1:8080', bootNic: BOOT_NIC });
  assert.match(preseed, /^d-i partman-auto\/disk string \/dev\/nvme0n1$/m);
  assert.match(preseed, /^d-i grub-installer\/bootdev string \/dev\/nvme0n1$/m);
  assert.match(preseed, /^d-i netcfg\/get_hostname string web07$/m);
  assert.match(preseed, /^d-i time\/zone string Europe\/Paris$/m);
  assert.match(preseed, /^d-i passwd\/root-password-crypted password \$6\$8ZUWv9hHRpZwh0qF\$/m);
  assert.match(
    preseed,
    /^d-i preseed\/early_command string wget -q -O \/tmp\/dploy-event http:\/\/192\.0\.2\.1:8080\/answers\/tok_0123456789abcdefghijABCDEFGHIJ\/callback\.sh && sh \/tmp\/dploy-event started /m,
  );
  assert.match(
    preseed,
    /^d-i preseed\/late_command string wget .*\/answers\/tok_0123456789abcdefghijABCDEFGHIJ\/post\.sh && in-target .*; sh \/tmp\/dploy-event installed /m,
  );
  assert.match(preseed, /^d-i pkgsel\/include string openssh-server wget nginx puppet-agent$/m);
  const file = join(mkdtempSync(join(tmpdir(), 'dploy-preseed-')), 'preseed.cfg');
  writeFileSync(file, preseed);
  const check = spawnSync('debconf-set-selections', ['--checkonly', file], { encoding: 'utf8' });
  assert.equal(check.status, 0, `debconf-set-selections refused it:\n${check.stderr}`);
  assert.equal(check.stderr, '');
  writeFileSync(file, `${preseed}d-i broken-line-without-type\n`);
  assert.notEqual(spawnSync('debconf-set-selections', ['--checkonly', file], { encoding: 'utf8' }).status, 0, 'the checker does reject a bad line');
});

test('a machine with no usable disk in its inventory fails before it boots', () => {
  const diskless = { ...QEMU, disks: QEMU.disks.map((d) => ({ ...d, removable: true })) };
  assert.throws(
    () => renderAnswerFile({ host, job, profile: parseProfile(PROFILE), inventory: diskless, httpBaseUrl: 'http://x', bootNic: BOOT_NIC }),
    /diskPolicy first \(single\) needs 1 non-removable disk\(s\); its inventory lists \/dev\/nvme0n1 removable/,
  );
  assert.throws(
    () => renderAnswerFile({ host, job, profile: parseProfile(PROFILE), inventory: undefined, httpBaseUrl: 'http://x', bootNic: BOOT_NIC }),
    /has no inventory yet: discover it first/,
  );
});
