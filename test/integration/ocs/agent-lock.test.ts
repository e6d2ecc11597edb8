// The discovery agent against OCS's lock: while OCS's communication server
// holds a computer's row in table `locks`, dploy refuses that machine's
// inventory with HTTP 409 and writes nothing. The real agent script, under
// busybox as in mindi, must post again with its back-off and get through once
// the lock is released.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxPath } from '../../support/busybox-env.js';
import { startDployOnOcs, type DployOnOcs } from '../../support/ocs/dploy-on-ocsweb.js';
import { ocsQuery } from '../../support/ocs/db.js';

const SCRIPT = fileURLToPath(new URL('../../../agent-scripts/dploy-inventory', import.meta.url));
const LSHW = ['/usr/bin/lshw', '/usr/sbin/lshw'].find((p) => existsSync(p));
/** This machine's NICs, which its real lshw reports. */
const MACS = readdirSync('/sys/class/net')
  .filter((n) => existsSync(`/sys/class/net/${n}/device`))
  .map((n) => readFileSync(`/sys/class/net/${n}/address`, 'utf8').trim());
/** What OCS's server writes in locks.ID: its process id. */
const SERVER_PID = 4242;

let dploy: DployOnOcs;
before(async () => {
  dploy = await startDployOnOcs();
  await dploy.forget(MACS);
});
after(async () => {
  await ocsQuery('DELETE FROM locks WHERE ID = ?', [SERVER_PID]);
  await dploy?.forget(MACS);
  await dploy?.stop();
});

test("dploy-inventory posts again after HTTP 409 (OCS holds the computer's lock) and succeeds once the lock is released", async () => {
  assert.ok(LSHW, 'lshw is missing: apt-get install -y lshw');
  assert.ok(MACS.length > 0, 'this machine has no physical NIC for lshw to report');
  const path = busyboxPath({ lshw: LSHW! });
  const env = { PATH: path, DPLOY_CMDLINE: '/nonexistent' };
  const args = [SCRIPT, '--url', dploy.serve.url, '--token', dploy.token];
  const first = spawnSync(join(path, 'sh'), args, { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(first.status, 0, first.stderr);
  const [computer] = await ocsQuery<{ id: number }>('SELECT DISTINCT HARDWARE_ID AS id FROM networks WHERE MACADDR IN (?)', [MACS]);
  assert.ok(computer, 'the first post made the OCS computer');
  const posts = async () =>
    (
      await ocsQuery<{ n: number }>('SELECT COUNT(*) AS n FROM dploy_inventories i JOIN dploy_host_macs m ON m.host_id = i.host_id WHERE m.mac = ?', [MACS[0]])
    )[0]!.n;
  const before = Number(await posts());
  const updatedAt = async () =>
    String(
      (
        await ocsQuery<{ at: unknown }>('SELECT h.updated_at AS at FROM dploy_hosts h JOIN dploy_host_macs m ON m.host_id = h.id WHERE m.mac = ?', [MACS[0]])
      )[0]!.at,
    );
  const recordedAt = await updatedAt();

  // OCS's server is writing this computer (Apache::Ocsinventory::Server::System::_lock).
  await ocsQuery('INSERT INTO locks (HARDWARE_ID, ID, SINCE) VALUES (?, ?, NOW())', [computer.id, SERVER_PID]);
  const agent = spawn(join(path, 'sh'), args, { env });
  let stderr = '';
  let released = false;
  const exited = new Promise<number | null>((resolve) => agent.on('close', resolve));
  agent.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!released && /HTTP 409/.test(stderr)) {
      released = true;
      void ocsQuery('DELETE FROM locks WHERE HARDWARE_ID = ? AND ID = ?', [computer.id, SERVER_PID]);
    }
  });
  const code = await exited;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /failed \(HTTP 409, .*\(DPLOY_ERR_MACHINE_LOCKED\)\); retrying in 2s/, 'the refusal names the code the agent retries on');
  assert.match(stderr, /posting to .* \(attempt 2 of 10, wget\)/);
  assert.match(stderr, /posted: this machine is host \S+ \(id \d+\)/);
  assert.notEqual(await updatedAt(), recordedAt, 'the inventory refused under the lock was recorded on the post after it');
  assert.equal(Number(await posts()), before, 'the same document again: nothing more stored (agent.inventoriesKept)');
  assert.deepEqual(await ocsQuery('SELECT * FROM locks WHERE HARDWARE_ID = ?', [computer.id]), [], 'no lock left behind');
});
