// The console in the real lynx: pages dumped as an operator and as a viewer
// read as they should, the hosts list searches, filters and pages, and a
// person at the keyboard logs in, finds a machine, sets an install task and,
// once the runner has opened it, reads the job and its events.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { startServe, type ServeProcess } from '../../support/serve.js';
import { getPage, keys, login, postForm, lynxDump, lynxSession, type ConsoleLogin } from '../../support/console-client.js';
import { openStore } from '../../../plugin/store/database.js';
import { getHost, upsertHost } from '../../../plugin/store/hosts.js';
import { addGroupMembers, createGroup } from '../../../plugin/store/groups.js';
import { seedMac } from '../../support/seed.js';
import { addUser } from '../../../plugin/store/users.js';
import { enrollmentToken } from '../../../plugin/store/settings.js';
import { writeHostBmc } from '../../../plugin/store/host-bmcs.js';
import { setRemoteAccess } from '../../../plugin/store/remote-access.js';
import { storeProfile } from '../../../plugin/installers/index.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { parse as parseYaml } from 'yaml';
import { seedImage } from '../../support/seeded-image.js';
import type { ImageManifest } from '../../../plugin/images/manifest.js';
import { appendFileSync, closeSync, constants, existsSync, openSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const PROFILE = new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url).pathname;
const INVENTORY = readFileSync(new URL('../../fixtures/lshw/qemu/pc-seabios.xml', import.meta.url));
// lynx's -cmd_script cannot type a space: one key per line, and "key " names none.
const PASSWORD = 'correct-horse-battery';

describe('the console in lynx', () => {
  let cwd: string;
  let serve: ServeProcess;
  let hostId: number;
  /** dploy names a discovered machine without a hostname after its first MAC. */
  const name = 'host-525400d50101';
  let alice: ConsoleLogin;
  let bob: ConsoleLogin;
  let golden: ImageManifest;
  const dploy = async (args: string[], input?: string) => {
    const result = await runDploy(args, { cwd, ...(input !== undefined ? { input } : {}) });
    assert.equal(result.code, 0, `dploy ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'dploy-console-lynx-'));
    // The CLI path once (password on stdin); the rest of the scene through the store dploy uses, which is quicker.
    await dploy(['users', 'add', 'alice', '--role', 'operator'], `${PASSWORD}\n`);
    const store = await openStore(`sqlite:${join(cwd, 'var/dploy.sqlite')}`);
    const box = openSecretBox(join(cwd, 'var/secret.key'));
    let enrollment: string;
    try {
      const db = store.db.manager;
      await addUser(db, 'bob', 'viewer', PASSWORD);
      await storeProfile(db, parseYaml(readFileSync(PROFILE, 'utf8')), { replace: false, secrets: box });
      enrollment = await enrollmentToken(db);
      // 60 more machines for the pager (50 a page).
      await store.db.transaction(async (tx) => {
        for (let i = 0; i < 60; i++) await upsertHost(tx, { name: `rack${String(i).padStart(2, '0')}`, macs: [seedMac(i)] });
      });
      await createGroup(db, 'rack', 'the first two');
      await addGroupMembers(db, 'rack', [(await getHost(db, 'rack00')).id, (await getHost(db, 'rack01')).id]);
      golden = await seedImage(db, join(cwd, 'var/images'), 'rack00-golden', { hostId: (await getHost(db, 'rack00')).id, host: 'rack00' });
    } finally {
      await store.close();
    }
    serve = await startServe({ cwd, env: { DPLOY_RUNNER_SCHEDULE: '* * * * * *' } });
    const posted = await fetch(`${serve.url}/agent/v1/inventory`, {
      method: 'POST',
      body: INVENTORY,
      headers: { 'content-type': 'application/xml', 'x-dploy-token': enrollment, 'x-dploy-bootif': '01-52-54-00-d5-01-02' },
    });
    assert.equal(posted.status, 200, await posted.clone().text());
    hostId = ((await posted.json()) as { host_id: number }).host_id;
    const again = await openStore(`sqlite:${join(cwd, 'var/dploy.sqlite')}`);
    try {
      const db = again.db.manager;
      await writeHostBmc(db, { hostId, driver: 'ipmi', address: '192.0.2.51', port: 623, user: 'admin', passwordSealed: box.seal('bmc-secret') });
      await setRemoteAccess(db, box, { hostId }, { address: '192.0.2.10' });
    } finally {
      await again.close();
    }
    alice = await login(serve.url, 'alice', PASSWORD);
    bob = await login(serve.url, 'bob', PASSWORD);
  });
  after(async () => {
    // The install job's power step calls ipmitool at 192.0.2.51 (TEST-NET-1, nobody answers): a graceful stop waits out its retries.
    await serve?.stop('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  test("an operator's host page shows system, CPUs, memory, disks, NICs with the boot NIC, the BMC and the web consoles", async () => {
    const page = await lynxDump(`${serve.url}/hosts/${hostId}`, alice);
    assert.match(page, new RegExp(`Host ${name}`));
    assert.match(page, /Serial\s+DPLOY-QEMU-0001/);
    assert.match(page, /CPUs\s+1 socket\(s\)/);
    assert.match(page, /Memory\s+512 MiB/);
    assert.match(page, /\/dev\/vda\s+2\.0 GiB/);
    assert.match(page, /52:54:00:d5:01:02 .*boot request|52:54:00:d5:01:02 .*seen/, 'the NIC it booted from is marked');
    assert.match(page, /BMC\s+192\.0\.2\.51/);
    assert.match(page, /Open: BMC web page System Management Homepage \(2381\) Webmin \(10000\)/);
    assert.match(page, /Set a task/);
    const links = await lynxDump(`${serve.url}/hosts/${hostId}`, alice, { links: true });
    assert.ok(links.includes('https://192.0.2.51/') && links.includes('https://192.0.2.10:2381/') && links.includes('https://192.0.2.10:10000/'), links);
  });

  test("a viewer's host page has no BMC address, no BMC link and no task form", async () => {
    const page = await lynxDump(`${serve.url}/hosts/${hostId}`, bob);
    assert.match(page, new RegExp(`Host ${name}`));
    assert.doesNotMatch(page, /192\.0\.2\.51|BMC/);
    assert.doesNotMatch(page, /Set a task/);
    assert.match(page, /System Management Homepage/, "the host's own consoles are not the BMC");
  });

  test('the hosts list searches by name, serial and MAC, filters by boot state, and pages by 50', async () => {
    const first = await lynxDump(`${serve.url}/`, bob);
    assert.match(first, /61 host\(s\), 1 to 50 shown/);
    assert.match(first, /Next page/);
    const second = await lynxDump(`${serve.url}/?page=2`, bob);
    assert.match(second, /61 host\(s\), 51 to 61 shown/);
    assert.match(second, /rack59/);
    assert.doesNotMatch(second, /rack48/);
    assert.match(await lynxDump(`${serve.url}/?q=QEMU-0001`, bob), new RegExp(`1 host\\(s\\)[\\s\\S]*${name}`));
    assert.match(await lynxDump(`${serve.url}/?q=${encodeURIComponent(seedMac(7))}`, bob), /1 host\(s\)[\s\S]*rack07/);
    assert.match(await lynxDump(`${serve.url}/?boot=install`, bob), /0 host\(s\)/);
    assert.match(await lynxDump(`${serve.url}/?group=nosuch`, bob), /0 host\(s\)/);
  });

  test('a group page lists its machines, and its task form sets the task on every one of them', async () => {
    assert.match(await lynxDump(`${serve.url}/groups`, bob), /rack\s+2\s+the first two/);
    const viewer = await lynxDump(`${serve.url}/groups/rack`, bob);
    assert.match(viewer, /rack00[\s\S]*rack01/);
    assert.doesNotMatch(viewer, /Set a task/);
    assert.match(await lynxDump(`${serve.url}/groups/rack`, alice), /Set a task on every machine of the group/);
    const set = await postForm(`${serve.url}/groups/rack/task`, alice, { csrf: alice.csrf, task: 'localboot' });
    assert.equal(set.status, 303);
    assert.match(await lynxDump(`${serve.url}/groups/rack?set=localboot`, alice), /task localboot set on 2 machine\(s\)/);
    const listed = await lynxDump(`${serve.url}/?group=rack`, bob);
    assert.match(listed, /2 host\(s\)/);
    // The runner ticks every second here: the task is still set, or its job already ran and says so.
    assert.match(listed, /rack00\s+localboot\s+(localboot|boots from local disk)\b[^\n]*\n[\s\S]*rack01\s+localboot\s+(localboot|boots from local disk)\b/);
  });

  test('the images page lists each image with its host, date, size, state and last verify; an image shows its disks, partitions and filesystems', async () => {
    const list = await lynxDump(`${serve.url}/images`, bob);
    const bytes = golden.filesystems.reduce((sum, f) => sum + f.archive.bytes, 0);
    assert.match(list, /1 image\(s\) in the store/);
    assert.match(
      list,
      new RegExp(`rack00-golden\\s+rack00\\s+${golden.createdAt.replace(/\./g, '\\.')}\\s+[\\d.]+ K?i?B \\(${bytes} bytes\\)\\s+ready\\s+unverified`),
      list,
    );
    const page = await lynxDump(`${serve.url}/images/rack00-golden`, bob);
    assert.match(page, /Image rack00-golden/);
    assert.match(page, /Source host\s+rack00 \(127\.0\.0\.1\)/);
    const disk = golden.disks[0]!;
    assert.match(page, new RegExp(`/dev/vda\\s+gpt\\s+48\\.0 MiB`));
    for (const p of disk.partitions) assert.match(page, new RegExp(`${p.device}\\s+${p.startSector}\\s+${p.sizeSectors}`), p.device);
    for (const f of golden.filesystems)
      assert.match(
        page,
        new RegExp(`${f.mountpoint}\\s+${f.device}\\s+ext4\\s+${f.uuid}\\s+${f.label}\\s+.*${f.archive.file}.*${f.archive.sha256}`),
        f.mountpoint,
      );
    assert.doesNotMatch(page, /Verify checksums|Remove image/, 'a viewer has no image actions');
    assert.match(
      await lynxDump(`${serve.url}/images/rack00-golden`, alice),
      /\(BUTTON\) Verify checksums\n\s+\[ \] remove rack00-golden for good \(BUTTON\) Remove image/,
    );
  });

  test('an image of md RAID and LVM shows its arrays (each slot, an empty one as missing) and volume groups with the volumes archived', async () => {
    const manifestPath = join(cwd, 'var/images/rack00-golden/manifest.json');
    const original = readFileSync(manifestPath, 'utf8');
    const m = JSON.parse(original) as ImageManifest;
    m.md = [
      {
        device: '/dev/md0',
        uuid: '2a3b4c5d:6e7f8091:a2b3c4d5:e6f70819',
        name: 'rack00:0',
        level: 'raid1',
        metadata: '1.2',
        raidDevices: 2,
        chunkBytes: 0,
        members: [{ device: '/dev/vdb2', role: 1, dataOffsetSectors: 4096, disk: '/dev/vdb', partition: 2 }],
      },
    ];
    m.volumeGroups = [{ name: 'vg0', uuid: 'Vg0000-bbbb', pvs: [{ device: '/dev/md0', uuid: 'Pv0000-aaaa', md: '/dev/md0' }], metadata: 'vg0 {\n}\n' }];
    m.filesystems[0]!.lv = 'vg0/root';
    writeFileSync(manifestPath, JSON.stringify(m));
    try {
      const page = await lynxDump(`${serve.url}/images/rack00-golden`, bob);
      assert.match(
        page,
        /RAID arrays \(md\)[\s\S]*\/dev\/md0\s+raid1\s+1\.2\s+2a3b4c5d:6e7f8091:a2b3c4d5:e6f70819\s+rack00:0\s+missing \(0\), \/dev\/vdb2 \(1\)/,
      );
      assert.match(page, new RegExp(`LVM volume groups[\\s\\S]*vg0\\s+Vg0000-bbbb\\s+/dev/md0\\s+root \\(${m.filesystems[0]!.mountpoint}\\)`));
    } finally {
      writeFileSync(manifestPath, original);
    }
  });

  test('an operator verifies an image in the background (the page says since when; a changed archive is named) and removes it; a viewer may do neither', async () => {
    const path = `${serve.url}/images/rack00-golden`;
    const settled = async () => {
      for (;;) {
        const page = await lynxDump(`${path}?verify=1`, bob);
        if (!/Checksums\s+verifying/.test(page)) return page;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    assert.equal((await postForm(`${path}/verify`, bob, { csrf: bob.csrf })).status, 403);
    const verified = await postForm(`${path}/verify`, alice, { csrf: alice.csrf });
    assert.deepEqual([verified.status, verified.headers.get('location')], [303, '/images/rack00-golden?verify=1']);
    assert.match(await settled(), /verified: every archive matches manifest\.json[\s\S]*Checksums\s+ok, verified 20\d\d-/);
    const archive = golden.filesystems[1]!.archive;
    const archivePath = join(cwd, 'var/images/rack00-golden', archive.file);
    // A named pipe for the archive: the verify reads it until the test closes it, however loaded the machine.
    const manifestPath = join(cwd, 'var/images/rack00-golden/manifest.json');
    const manifest = readFileSync(manifestPath, 'utf8');
    const saved = readFileSync(archivePath);
    rmSync(archivePath);
    execFileSync('mkfifo', [archivePath]);
    const emptied = JSON.parse(manifest) as ImageManifest;
    emptied.filesystems[1]!.archive.bytes = 0;
    writeFileSync(manifestPath, JSON.stringify(emptied));
    try {
      await postForm(`${path}/verify`, alice, { csrf: alice.csrf });
      const reading = await lynxDump(`${path}?verify=1`, bob);
      assert.match(reading, /verifying since 20\d\d-[^ ]+Z: reload this page to see the result[\s\S]*Checksums\s+verifying since 20\d\d-/, reading);
      assert.match(await lynxDump(`${serve.url}/images`, bob), /rack00-golden\s+rack00\s+.*\s+ready\s+verifying since 20\d\d-/);
      const twice = await postForm(`${path}/verify`, alice, { csrf: alice.csrf });
      assert.equal(twice.status, 409);
      assert.match(await twice.text(), /image rack00-golden is being verified since 20\d\d-[^ ]+Z; its page shows the result when it ends/);
    } finally {
      await closePipe(archivePath);
    }
    assert.match(await settled(), /Checksums\s+corrupt, verified 20\d\d-[^:]+:\d\d:[\d.]+Z: 2-boot\.tar\.zst: sha256 e3b0c442/);
    rmSync(archivePath);
    writeFileSync(archivePath, saved);
    writeFileSync(manifestPath, manifest);
    appendFileSync(archivePath, 'x');
    await postForm(`${path}/verify`, alice, { csrf: alice.csrf });
    const corrupt = await settled();
    assert.match(
      corrupt,
      new RegExp(`Checksums\\s+corrupt, verified 20\\d\\d-[^:]+:\\d\\d:[\\d.]+Z: ${archive.file}: size ${archive.bytes + 1}, manifest says ${archive.bytes}`),
      corrupt,
    );
    assert.match(await lynxDump(`${serve.url}/images`, bob), /rack00-golden\s+rack00\s+.*\s+ready\s+corrupt 20\d\d-/);
    assert.equal((await postForm(`${path}/remove`, bob, { csrf: bob.csrf, confirm: 'yes' })).status, 403);
    const unticked = await postForm(`${path}/remove`, alice, { csrf: alice.csrf });
    assert.equal(unticked.status, 400);
    assert.match(await unticked.text(), /tick &quot;remove rack00-golden for good&quot;/);
    assert.ok(existsSync(join(cwd, 'var/images/rack00-golden')), 'still there after the refusals');
    const removed = await postForm(`${path}/remove`, alice, { csrf: alice.csrf, confirm: 'yes' });
    assert.deepEqual([removed.status, removed.headers.get('location')], [303, '/images?removed=rack00-golden']);
    assert.match(await lynxDump(`${serve.url}/images?removed=rack00-golden`, bob), /image rack00-golden removed[\s\S]*0 image\(s\) in the store/);
    assert.equal(existsSync(join(cwd, 'var/images/rack00-golden')), false);
  });

  test('a person in lynx logs in, finds the host, sets an install task, and sees the job and its events', async () => {
    // Login form: user, password, the button. Hosts page: 6 links (Hosts, Groups, Jobs, Profiles, Images, Log out), then the search field, 3 filters, Find.
    const setting = await lynxSession(`${serve.url}/login`, [
      ...keys.login('alice', PASSWORD),
      ...keys.down(6),
      ...keys.type('QEMU-0001'),
      ...keys.down(4),
      ...keys.enter(),
      // The one host found is the 12th link; on its page, 9 links before the task form (6, the BMC page, SMH, Webmin).
      ...keys.down(11),
      ...keys.enter(),
      ...keys.down(9),
      ...keys.enter(),
      ...keys.down(),
      ...keys.enter(),
      ...keys.down(),
      ...keys.enter(),
      ...keys.down(),
      ...keys.enter(),
      ...keys.down(4),
      ...keys.enter(),
    ]);
    assert.match(setting, /task install set; the runner opens the job at its next tick/, setting.slice(-3000));
    assert.match(setting, /install debian-12-web/);
    await jobOpened(serve.url, alice);
    // Jobs is the third link; the job is the 8th link of the jobs page (6, "Running jobs only", the job).
    const reading = await lynxSession(`${serve.url}/login`, [
      ...keys.login('alice', PASSWORD),
      ...keys.down(2),
      ...keys.enter(),
      ...keys.down(7),
      ...keys.enter(),
    ]);
    assert.match(reading, /Job \d+: install debian-12-web/, reading.slice(-3000));
    assert.match(reading, /Events/);
    assert.match(reading, /runner:/);
  });
});

/** The server's runner ticks every second here: wait until it has opened the install job (the newest job, first on /jobs). */
async function jobOpened(url: string, who: ConsoleLogin): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (/<td>install debian-12-web<\/td>/.test(await (await getPage(`${url}/jobs?active=1`, who)).text())) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the runner opened no job within 10 s');
}

/** Ends the reading of a named pipe: opened for writing (no wait when nobody reads it yet, or the test would hang) and closed empty. */
async function closePipe(path: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || tries === 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
