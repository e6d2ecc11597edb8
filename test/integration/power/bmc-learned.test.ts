// A BMC address learned from inventory: the text of a real `ipmitool lan print 1`
// (Debian's ipmitool against OpenIPMI's ipmi_sim, its LAN set with `lan set`)
// posted to dploy's agent route with the enrollment token, as the discovery
// agent posts it. Kept on the host and shown by `hosts show` as learned;
// an operator's address is never replaced; a BMC with no LAN set up
// (0.0.0.0, ipmi_sim's own default) teaches nothing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIpmiLanPrint } from '../../../plugin/inventory/ipmi-lan.js';
import { startIpmiSim, SIM_USERS, type IpmiSim } from '../../support/ipmi-sim.js';
import { machineDocument, postInventory, startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { openStore } from '../../../plugin/store/database.js';
import { readLearnedBmc } from '../../../plugin/store/host-bmc-learned.js';
import { runDploy } from '../../support/cli.js';

const MAC = '52:54:00:aa:21:01';
let sim: IpmiSim;
let dploy: TrustServer;

function ipmitool(...args: string[]): string {
  return execFileSync('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(sim.port), '-U', 'admin', '-E', ...args], {
    env: { ...process.env, IPMI_PASSWORD: SIM_USERS.admin },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

before(async () => {
  sim = await startIpmiSim();
  dploy = await startTrustServer('sqlite');
});
after(async () => {
  await dploy?.close();
  await sim?.stop();
});

function postLan(text: string, mac = MAC, token = dploy.enrollment): Promise<Response> {
  return fetch(`${dploy.url}/agent/v1/bmc-lan`, {
    method: 'POST',
    body: text,
    headers: { 'content-type': 'text/plain', 'x-dploy-token': token, 'x-dploy-mac': mac },
  });
}

test("ipmitool lan print's real text: 0.0.0.0 teaches nothing; a set LAN is learned, shown as learned, never over the operator's", async () => {
  const unset = ipmitool('lan', 'print', '1');
  assert.match(unset, /^IP Address\s+: 0\.0\.0\.0$/m, 'ipmi_sim starts with no LAN set up');
  assert.equal(parseIpmiLanPrint(unset), undefined);
  ipmitool('lan', 'set', '1', 'ipaddr', '192.0.2.55');
  ipmitool('lan', 'set', '1', 'macaddr', '3C:A8:2A:0B:11:22');
  const text = ipmitool('lan', 'print', '1');
  assert.deepEqual(parseIpmiLanPrint(text), { address: '192.0.2.55', mac: '3c:a8:2a:0b:11:22' });

  assert.equal((await postInventory(dploy.url, dploy.enrollment, machineDocument(MAC))).status, 200);
  assert.equal((await postLan(text, MAC, 'wrong-token')).status, 401, 'the enrollment token, as for the inventory');
  assert.equal((await postLan(text, '52:54:00:ff:ff:ff')).status, 404, 'a MAC no machine posted');
  // A machine dploy has no fresh inventory of: the post has no more reach than an inventory post.
  const byHand = await runDploy(['hosts', 'add', '--mac', '52:54:00:aa:21:09', '--name', 'nodoc'], {
    cwd: dploy.cwd,
    env: { DPLOY_DATABASE_URL: dploy.databaseUrl },
  });
  assert.equal(byHand.code, 0, byHand.stderr);
  assert.equal((await postLan(text, '52:54:00:aa:21:09')).status, 409);
  const none = await postLan(unset);
  assert.equal(none.status, 200);
  assert.equal(((await none.json()) as { learned: boolean }).learned, false);

  const posted = await postLan(text);
  assert.equal(posted.status, 200);
  assert.deepEqual(await posted.json(), { host_id: 1, learned: true, reason: 'learned 192.0.2.55' });
  const shown = await runDploy(['hosts', 'show', MAC], { cwd: dploy.cwd, env: { DPLOY_DATABASE_URL: dploy.databaseUrl } });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^BMC:\s+192\.0\.2\.55 \(learned from inventory, MAC 3c:a8:2a:0b:11:22, /m);

  // The operator gives the host its BMC: a later post learns nothing and keeps the old learned row as it was.
  const set = await runDploy(['hosts', 'set', MAC, '--bmc', 'ipmi://admin@10.0.0.5'], {
    cwd: dploy.cwd,
    env: { DPLOY_DATABASE_URL: dploy.databaseUrl, DPLOY_BMC_PASSWORD: 'x-pass' },
  });
  assert.equal(set.code, 0, set.stderr);
  ipmitool('lan', 'set', '1', 'ipaddr', '192.0.2.66');
  const later = await postLan(ipmitool('lan', 'print', '1'));
  assert.deepEqual(await later.json(), { host_id: 1, learned: false, reason: "the operator's BMC address stands" });
  const store = await openStore(dploy.databaseUrl);
  try {
    assert.equal((await readLearnedBmc(store.db.manager, 1))?.address, '192.0.2.55');
  } finally {
    await store.close();
  }
});

const AGENT = fileURLToPath(new URL('../../../agent-scripts/dploy-inventory', import.meta.url));

test('the discovery agent posts the inventory, then ipmitool lan print of its BMC: dploy learns the address', async () => {
  const mac = '52:54:00:aa:21:02';
  ipmitool('lan', 'set', '1', 'ipaddr', '192.0.2.77');
  ipmitool('lan', 'set', '1', 'macaddr', '3c:a8:2a:0b:11:22');
  const dir = mkdtempSync(join(tmpdir(), 'dploy-bmc-agent-'));
  writeFileSync(join(dir, 'lshw.xml'), machineDocument(mac, 'DPLOY-BMC-0002', 'DPLOYBMCDISK2'));
  writeFileSync(join(dir, 'cmdline'), `BOOTIF=01-${mac.replaceAll(':', '-')}\n`);
  writeFileSync(join(dir, 'ipmi0'), '');
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  script('lshw', `cat '${join(dir, 'lshw.xml')}'`);
  // The machine's own ipmitool talks to /dev/ipmi0; here the same tool reaches ipmi_sim over the LAN.
  script('ipmitool', `IPMI_PASSWORD='${SIM_USERS.admin}' exec ipmitool -I lanplus -C 3 -H 127.0.0.1 -p ${sim.port} -U admin -E "$@"`);
  const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      'sh',
      [AGENT, '--url', dploy.url, '--token', dploy.enrollment],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          DPLOY_CMDLINE: join(dir, 'cmdline'),
          DPLOY_LSHW: join(dir, 'lshw'),
          DPLOY_IPMITOOL: join(dir, 'ipmitool'),
          DPLOY_IPMI_DEV: join(dir, 'ipmi0'),
          DPLOY_OUT: join(dir, 'next'),
        },
        timeout: 60_000,
      },
      (err, _out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    ),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /BMC: learned 192\.0\.2\.77/);
  const shown = await runDploy(['hosts', 'show', mac], { cwd: dploy.cwd, env: { DPLOY_DATABASE_URL: dploy.databaseUrl } });
  assert.match(shown.stdout, /^BMC:\s+192\.0\.2\.77 \(learned from inventory, MAC 3c:a8:2a:0b:11:22, /m);
});
