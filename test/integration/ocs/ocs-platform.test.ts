// The OCS platform on a private copy of the real OCS schema (test/support/ocs/
// scratch.ts): what `dploy migrate` registers, the rows a discovered machine
// gets in OCS's own tables, tasks read from administrative data the way the
// console's mass processing writes them, and status written back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseInventory } from '../../../plugin/inventory/index.js';
import { isDployError } from '../../../plugin/errors.js';
import type { Inventory } from '../../../plugin/model/inventory.js';
import { runnerTick, SILENT_LOG } from '../../../plugin/jobs/runner.js';
import { jobKinds } from '../../../plugin/jobs/kinds/index.js';
import { openOcsPlatform, type OcsScratch } from '../../support/ocs/scratch.js';
import { ovmfVariant } from '../../support/ovmf-variant.js';
import type { Platform } from '../../../plugin/platforms/platform.js';
import { remoteCommandFor, setRemoteCommand } from '../../../plugin/store/remote-commands.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lshw/${name}`, import.meta.url));
const SEABIOS = fixture('qemu-seabios-pc.xml');
const OVMF = fixture('qemu-ovmf-q35.xml');
// How a re-inventory is written is tested here; who may send one, in test/integration/security.
const doc = (body: Buffer) => ({ format: 'xml' as const, body, rediscover: true });
const inv = (body: Buffer): Inventory => parseInventory(body, 'xml');

/** The SEABIOS machine recorded, its computer locked as OCS's server locks it while writing; its next document. */
async function lockedByOcs(scratch: OcsScratch, platform: Platform): Promise<Buffer> {
  await platform.recordInventory(inv(SEABIOS), doc(SEABIOS));
  const [{ ID: id }] = (await scratch.sql<{ ID: number }>('SELECT ID FROM hardware')) as [{ ID: number }];
  await scratch.sql('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, 4242, NOW())', [id]);
  return Buffer.from(SEABIOS.toString('utf8').replace('DPLOY-FIX-0001', 'DPLOY-FIX-0001B'));
}

interface Field {
  ID: number;
  NAME: string;
}
async function fieldColumns(sql: (q: string) => Promise<Field[]>): Promise<Record<string, string>> {
  const rows = await sql("SELECT ID, NAME FROM accountinfo_config WHERE NAME LIKE 'DPLOY%'");
  return Object.fromEntries(rows.map((r) => [r.NAME, `fields_${r.ID}`]));
}
async function valueOf(sql: (q: string, p?: unknown[]) => Promise<Array<{ IVALUE: number }>>, field: string, label: string): Promise<number> {
  const [row] = await sql('SELECT IVALUE FROM config WHERE NAME LIKE ? AND TVALUE = ?', [`ACCOUNT\\_VALUE\\_${field}\\_%`, label]);
  assert.ok(row, `value ${label} of ${field} is registered`);
  return Number(row.IVALUE);
}

test("a discovered machine gets the rows OCS itself keeps for a computer, in one transaction with dploy's own", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const recorded = await platform.recordInventory(inv(SEABIOS), doc(SEABIOS));
    const [hw] = await scratch.sql<Record<string, unknown>>('SELECT * FROM hardware');
    assert.match(String(hw!.DEVICEID), new RegExp(`^${recorded.host.name}-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d$`));
    assert.equal(hw!.NAME, recorded.host.name);
    assert.equal(hw!.UUID, '6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a01');
    assert.equal(hw!.MEMORY, 1024);
    assert.equal(hw!.ARCH, 'x86_64');
    assert.equal(Number(hw!.CHECKSUM), 262143 | 1 | 2 | 4 | 256 | 4096 | 262144, 'column default ORed with the sections written, as OCS does');
    assert.equal(hw!.ARCHIVE, null);
    assert.match(String(hw!.USERAGENT), /^dploy\//);
    assert.ok(hw!.LASTDATE, 'LASTDATE is set, so the console sorts it with the others');
    const id = Number(hw!.ID);
    const [bios] = await scratch.sql<Record<string, unknown>>('SELECT SMANUFACTURER, SMODEL, SSN FROM bios WHERE HARDWARE_ID = ?', [id]);
    assert.deepEqual(bios, { SMANUFACTURER: 'QEMU-fixture', SMODEL: 'pc-seabios', SSN: 'DPLOY-FIX-0001' });
    const nets = await scratch.sql<{ MACADDR: string }>('SELECT MACADDR FROM networks WHERE HARDWARE_ID = ? ORDER BY ID', [id]);
    assert.deepEqual(
      nets.map((n) => n.MACADDR),
      ['52:54:00:d0:00:01', '52:54:00:d0:00:02'],
    );
    const disks = await scratch.sql<{ NAME: string; DISKSIZE: number | null; TYPE: string }>(
      'SELECT NAME, DISKSIZE, TYPE FROM storages WHERE HARDWARE_ID = ? ORDER BY NAME',
      [id],
    );
    assert.deepEqual(disks, [
      { NAME: 'sda', DISKSIZE: 1024, TYPE: 'disk' },
      { NAME: 'sr0', DISKSIZE: 0, TYPE: 'CD-ROM' },
      { NAME: 'vda', DISKSIZE: 2048, TYPE: 'disk' },
    ]);
    assert.equal((await scratch.sql('SELECT 1 FROM cpus WHERE HARDWARE_ID = ?', [id])).length, 1);
    assert.equal((await scratch.sql('SELECT 1 FROM memories WHERE HARDWARE_ID = ?', [id])).length, 1);
    assert.deepEqual(await scratch.sql('SELECT TAG FROM accountinfo WHERE HARDWARE_ID = ?', [id]), [{ TAG: 'NA' }]);
    assert.deepEqual(await scratch.sql('SELECT platform_ref FROM dploy_hosts'), [{ platform_ref: String(id) }]);
    assert.deepEqual(await scratch.sql('SELECT * FROM locks'), [], 'the lock is released');

    // The same machine again: the same computer, its sections replaced, never doubled.
    await platform.recordInventory(inv(SEABIOS), doc(SEABIOS));
    assert.equal((await scratch.sql('SELECT 1 FROM hardware')).length, 1);
    assert.equal((await scratch.sql('SELECT 1 FROM networks')).length, 2);
    assert.equal((await scratch.sql('SELECT 1 FROM storages')).length, 3);
  } finally {
    await dispose();
  }
});

test("while OCS holds the computer's lock the inventory is refused and nothing is half-written", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const changed = await lockedByOcs(scratch, platform);
    await assert.rejects(
      platform.recordInventory(inv(changed), doc(changed)),
      (err) => isDployError(err, 'DPLOY_ERR_MACHINE_LOCKED') && /OCS is writing computer \d+ right now/.test(err.message),
    );
    assert.deepEqual(await scratch.sql('SELECT SSN FROM bios'), [{ SSN: 'DPLOY-FIX-0001' }]);
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_inventories')).length, 1, "dploy's own rows rolled back with OCS's");
    // A lock older than LOCK_REUSE_TIME is a dead server's: taken over, as OCS does.
    await scratch.sql('UPDATE locks SET SINCE = NOW() - INTERVAL 2 HOUR');
    await platform.recordInventory(inv(changed), doc(changed));
    assert.deepEqual(await scratch.sql('SELECT SSN FROM bios'), [{ SSN: 'DPLOY-FIX-0001B' }]);
    assert.deepEqual(await scratch.sql('SELECT * FROM locks'), []);
  } finally {
    await dispose();
  }
});

test("a storm of new machines while OCS holds a known computer's lock: the new ones become computers, the locked one is refused whole", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const changed = await lockedByOcs(scratch, platform);
    // Eight new machines from the OVMF document, each its own MACs, UUID and serial; the locked machine posts last.
    const machines = Array.from({ length: 8 }, (_, i) => Buffer.from(ovmfVariant(OVMF.toString('utf8'), 0x60 + i, `DPLOY-STORM-${i}`)));
    const outcomes = await Promise.all(
      [...machines, changed].map((body) =>
        new Promise<void>((r) => setImmediate(r))
          .then(() => platform.recordInventory(inv(body), doc(body)))
          .then(
            (r) => r.host.id,
            (err: unknown) => err,
          ),
      ),
    );
    const refused = outcomes.at(-1);
    assert.ok(isDployError(refused, 'DPLOY_ERR_MACHINE_LOCKED') && /OCS is writing computer \d+ right now/.test(refused.message), String(refused));
    assert.equal(new Set(outcomes.slice(0, 8)).size, 8, 'eight new hosts');
    const computers = await scratch.sql<{ SSN: string; macs: number }>(
      'SELECT b.SSN, (SELECT COUNT(*) FROM networks n WHERE n.HARDWARE_ID = h.ID) AS macs FROM hardware h JOIN bios b ON b.HARDWARE_ID = h.ID ORDER BY b.SSN',
    );
    assert.deepEqual(
      computers.map((c) => [c.SSN, Number(c.macs)]),
      [['DPLOY-FIX-0001', 2], ...Array.from({ length: 8 }, (_, i) => [`DPLOY-STORM-${i}`, 2])],
    );
    const links = await scratch.sql<{ n: number }>('SELECT COUNT(*) AS n FROM dploy_hosts d JOIN hardware h ON h.ID = CAST(d.platform_ref AS UNSIGNED)');
    assert.equal(Number(links[0]!.n), 9, 'every host linked to its computer');
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_inventories')).length, 9, 'nothing of the refused post kept');
    assert.deepEqual(await scratch.sql('SELECT ID FROM locks'), [{ ID: 4242 }], "OCS's lock left as it was");
  } finally {
    await dispose();
  }
});

test("a machine OCS's agent reported before, discovered in a storm, is written into that computer: no duplicate, its name and agent kept", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const inserted = (await scratch.sql(
      "INSERT INTO hardware (DEVICEID, NAME, USERAGENT) VALUES ('db01-2026-11-01-10-00-00', 'db01', 'OCS-NG_unified_unix_agent_v2.10.0')",
    )) as unknown as { insertId: number };
    const id = inserted.insertId;
    // The agent wrote the MAC in capitals; OCS compares MACs without regard to case.
    await scratch.sql("INSERT INTO networks (HARDWARE_ID, DESCRIPTION, MACADDR, VIRTUALDEV) VALUES (?, 'eth0', '52:54:00:D0:00:01', 0)", [id]);
    await scratch.sql("INSERT INTO accountinfo (HARDWARE_ID, TAG) VALUES (?, 'SITE-A')", [id]);
    const others = Array.from({ length: 3 }, (_, i) => Buffer.from(ovmfVariant(OVMF.toString('utf8'), 0x70 + i, `DPLOY-OTHER-${i}`)));
    const recorded = await Promise.all(
      [...others, SEABIOS].map((body) => new Promise<void>((r) => setImmediate(r)).then(() => platform.recordInventory(inv(body), doc(body)))),
    );
    const seabios = recorded.at(-1)!;
    assert.deepEqual(await scratch.sql('SELECT platform_ref FROM dploy_hosts WHERE id = ?', [seabios.host.id]), [{ platform_ref: String(id) }]);
    assert.equal((await scratch.sql('SELECT 1 FROM hardware')).length, 4, 'one computer per machine, none doubled');
    assert.deepEqual(
      await scratch.sql(
        'SELECT h.NAME, h.USERAGENT, b.SSN, a.TAG FROM hardware h JOIN bios b ON b.HARDWARE_ID = h.ID JOIN accountinfo a ON a.HARDWARE_ID = h.ID WHERE h.ID = ?',
        [id],
      ),
      [{ NAME: 'db01', USERAGENT: 'OCS-NG_unified_unix_agent_v2.10.0', SSN: 'DPLOY-FIX-0001', TAG: 'SITE-A' }],
    );
    assert.equal((await scratch.sql('SELECT 1 FROM networks WHERE HARDWARE_ID = ?', [id])).length, 2, "the computer's networks are the discovered ones");
  } finally {
    await dispose();
  }
});

test('tasks set by mass processing become one job per computer; status and the reset show in administrative data', async () => {
  const { scratch, store, platform, dispose } = await openOcsPlatform();
  try {
    const a = await platform.recordInventory(inv(SEABIOS), doc(SEABIOS));
    const b = await platform.recordInventory(inv(OVMF), doc(OVMF));
    const col = await fieldColumns((q) => scratch.sql<Field>(q));
    const ids = (await scratch.sql<{ ID: number }>('SELECT ID FROM hardware ORDER BY ID')).map((r) => r.ID);
    const discover = await valueOf((q, p) => scratch.sql(q, p), 'DPLOYTASK', 'discover');
    const none = await valueOf((q, p) => scratch.sql(q, p), 'DPLOYTASK', 'none');
    // What the console's mass processing of a selection runs (ocsreports Admininfo::updateinfo_computer).
    await scratch.sql(`UPDATE accountinfo SET ${col.DPLOYTASK} = ? WHERE HARDWARE_ID IN (?)`, [String(discover), ids]);
    const pending = await platform.pendingTasks();
    assert.deepEqual(
      pending.map((t) => [t.hostId, t.task]).sort(),
      [
        [a.host.id, 'discover'],
        [b.host.id, 'discover'],
      ].sort(),
    );
    const setAt = pending[0]!.setAt!;
    assert.deepEqual(
      (await platform.pendingTasks()).map((t) => t.setAt),
      [setAt, setAt],
      'an unchanged field keeps the time dploy first saw it',
    );

    const options = {
      db: store.db,
      dialect: 'mysql' as const,
      platform,
      kinds: jobKinds({ bootSeconds: 1200, installSeconds: 7200 }),
      owner: 'test',
      leaseSeconds: 60,
      batchSize: 10,
      maxAttempts: 3,
      budgetMs: 5_000,
      log: SILENT_LOG,
    };
    const tick = await runnerTick(options);
    assert.equal(tick.created, 2);
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_jobs')).length, 2);
    await runnerTick(options);
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_jobs')).length, 2, 'a task still set never opens a second job');
    const statuses = await scratch.sql<Record<string, string>>(
      `SELECT ${col.DPLOYSTATUS} AS status, ${col.DPLOYTASK} AS task FROM accountinfo ORDER BY HARDWARE_ID`,
    );
    for (const s of statuses) assert.match(s.status!, /discover/i, 'the console shows the job');

    // The operator changes one machine's task while its job runs: dploy's reset must not wipe it.
    const localboot = await valueOf((q, p) => scratch.sql(q, p), 'DPLOYTASK', 'localboot');
    await scratch.sql(`UPDATE accountinfo SET ${col.DPLOYTASK} = ? WHERE HARDWARE_ID = ?`, [String(localboot), ids[1]]);
    await platform.writeStatus(a.host.id, 'discovered', { clearTask: { task: 'discover' } });
    await platform.writeStatus(b.host.id, 'discovered', { clearTask: { task: 'discover' } });
    const after = await scratch.sql<Record<string, string>>(
      `SELECT ${col.DPLOYSTATUS} AS status, ${col.DPLOYTASK} AS task FROM accountinfo ORDER BY HARDWARE_ID`,
    );
    assert.deepEqual(after, [
      { status: 'discovered', task: String(none) },
      { status: 'discovered', task: String(localboot) },
    ]);
  } finally {
    await dispose();
  }
});

test("a computer only OCS's agent knows can be tasked: dploy creates its host from the computer's name and MACs", async () => {
  const { scratch, platform, dispose } = await openOcsPlatform();
  try {
    const inserted = (await scratch.sql(
      "INSERT INTO hardware (DEVICEID, NAME, UUID, USERAGENT) VALUES ('db01-2026-11-01-10-00-00', 'db01', NULL, 'OCS-NG_unified_unix_agent_v2.10.0')",
    )) as unknown as { insertId: number };
    const id = inserted.insertId;
    await scratch.sql(
      "INSERT INTO networks (HARDWARE_ID, DESCRIPTION, MACADDR, VIRTUALDEV) VALUES (?, 'eth0', 'AA:BB:CC:00:11:22', 0), (?, 'docker0', '02:42:ac:11:00:01', 1)",
      [id, id],
    );
    await scratch.sql("INSERT INTO bios (HARDWARE_ID, SSN) VALUES (?, 'CZ1234')", [id]);
    await scratch.sql('INSERT INTO accountinfo (HARDWARE_ID, TAG) VALUES (?, ?)', [id, 'NA']);
    const col = await fieldColumns((q) => scratch.sql<Field>(q));
    const localboot = await valueOf((q, p) => scratch.sql(q, p), 'DPLOYTASK', 'localboot');
    await scratch.sql(`UPDATE accountinfo SET ${col.DPLOYTASK} = ? WHERE HARDWARE_ID = ?`, [String(localboot), id]);
    const [task] = await platform.pendingTasks();
    assert.equal(task?.task, 'localboot');
    const hosts = await scratch.sql('SELECT name, serial, platform_ref FROM dploy_hosts');
    assert.deepEqual(hosts, [{ name: 'db01', serial: 'CZ1234', platform_ref: String(id) }]);
    assert.deepEqual(await scratch.sql('SELECT mac FROM dploy_host_macs'), [{ mac: 'aa:bb:cc:00:11:22' }], 'the virtual NIC is no identity');

    // A computer OCS knows no MAC for cannot be booted: the console says so, no host is made.
    const macless = (
      (await scratch.sql("INSERT INTO hardware (DEVICEID, NAME) VALUES ('printer-2026-11-01-10-00-00', 'printer')")) as unknown as { insertId: number }
    ).insertId;
    await scratch.sql(`INSERT INTO accountinfo (HARDWARE_ID, TAG, ${col.DPLOYTASK}) VALUES (?, 'NA', ?)`, [macless, String(localboot)]);
    assert.deepEqual(
      (await platform.pendingTasks()).map((t) => t.task),
      ['localboot'],
    );
    const [said] = await scratch.sql<Record<string, string>>(`SELECT ${col.DPLOYSTATUS} AS status FROM accountinfo WHERE HARDWARE_ID = ?`, [macless]);
    assert.match(said?.status ?? '', /^refused: OCS knows no usable MAC address for this computer/);
    assert.equal((await scratch.sql('SELECT 1 FROM dploy_hosts')).length, 1);
  } finally {
    await dispose();
  }
});

test('a command task runs the command line chosen in DPLOYCOMMAND; with none chosen, an earlier command is not run again', async () => {
  const { scratch, store, platform, dispose } = await openOcsPlatform();
  try {
    const a = await platform.recordInventory(inv(SEABIOS), doc(SEABIOS));
    const b = await platform.recordInventory(inv(OVMF), doc(OVMF));
    const col = await fieldColumns((q) => scratch.sql<Field>(q));
    assert.ok(col.DPLOYCOMMAND, 'dploy migrate registers DPLOYCOMMAND');
    assert.deepEqual(await scratch.sql("SELECT 1 FROM config WHERE NAME LIKE 'ACCOUNT\\_VALUE\\_DPLOYCOMMAND\\_%'"), [], 'with no command of its own');
    // What OCS's values page (ms_adminvalues, a super administrator's page) inserts for a new value.
    await scratch.sql("INSERT INTO config (NAME, TVALUE, IVALUE) VALUES ('ACCOUNT_VALUE_DPLOYCOMMAND_1', ?, 1)", ['systemctl restart nginx && uptime']);
    const command = await valueOf((q, p) => scratch.sql(q, p), 'DPLOYTASK', 'command');
    const ids = (await scratch.sql<{ ID: number }>('SELECT ID FROM hardware ORDER BY ID')).map((r) => r.ID);
    // An operator with CHANGE_ACCOUNTINFO picks the value on one computer, and sets the task alone on the other.
    await scratch.sql(`UPDATE accountinfo SET ${col.DPLOYTASK} = ?, ${col.DPLOYCOMMAND} = ? WHERE HARDWARE_ID = ?`, [String(command), '1', ids[0]]);
    await scratch.sql(`UPDATE accountinfo SET ${col.DPLOYTASK} = ? WHERE HARDWARE_ID = ?`, [String(command), ids[1]]);
    await setRemoteCommand(store.db.manager, [b.host.id], 'rm -rf /srv/cache');
    assert.deepEqual(
      (await platform.pendingTasks()).map((t) => [t.hostId, t.task]).sort(),
      [
        [a.host.id, 'command'],
        [b.host.id, 'command'],
      ].sort(),
    );
    assert.deepEqual(await remoteCommandFor(store.db.manager, a.host.id), { command: 'systemctl restart nginx && uptime' });
    assert.equal(await remoteCommandFor(store.db.manager, b.host.id), undefined, 'the job fails asking for a command instead');
  } finally {
    await dispose();
  }
});
