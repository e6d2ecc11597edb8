// agent-scripts/dploy-nics under busybox ash and dash against a fake sysfs
// tree (DPLOY_SYS) and kernel command line (DPLOY_CMDLINE): the order in which
// the boot environment's /init tries its NICs (the BOOTIF NIC first), and its
// DHCP loop with stand-in ip/udhcpc commands that give a lease on one NIC only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxPath } from '../../support/busybox-env.js';
import { fakeMachine, SERVER_NICS as SERVER } from '../../support/fake-sysfs.js';

const SCRIPT = fileURLToPath(new URL('../../../agent-scripts/dploy-nics', import.meta.url));
const BUSYBOX = '/usr/bin/busybox';

const SHELLS: Array<[string, string[], () => string]> = [
  ['busybox ash', [BUSYBOX, 'sh'], () => busyboxPath({ sort: BUSYBOX, cut: BUSYBOX })],
  ['dash', ['/usr/bin/dash'], () => '/usr/bin:/bin'],
];

function run(shell: string[], path: string, env: Record<string, string>, script: string) {
  const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', `. '${SCRIPT}'; ${script}`], { encoding: 'utf8', env: { PATH: path, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

for (const [label, shell, path] of SHELLS) {
  test(`${label}: the NIC BOOTIF names comes first, then the other physical NICs by name, then the virtual ones`, () => {
    // The loaders write BOOTIF in lower case; upper case is taken too.
    const m = fakeMachine(SERVER, 'quiet BOOTIF=01-B4-96-91-AA-BB-CC dploy.action=restore');
    assert.equal(
      run(shell, path(), m.env, 'dploy_nic_order'),
      'enp65s0f0 b4:96:91:aa:bb:cc physical\neno1 3c:ec:ef:00:00:01 physical\neno2 3c:ec:ef:00:00:02 physical\ndocker0 02:42:ac:11:00:01 virtual\n',
    );
    assert.equal(run(shell, path(), m.env, 'dploy_bootif_mac'), 'b4:96:91:aa:bb:cc\n');
  });

  test(`${label}: without BOOTIF, or with one that is malformed or names no NIC here, the physical NICs go by name`, () => {
    const expected =
      'eno1 3c:ec:ef:00:00:01 physical\neno2 3c:ec:ef:00:00:02 physical\nenp65s0f0 b4:96:91:aa:bb:cc physical\ndocker0 02:42:ac:11:00:01 virtual\n';
    for (const cmdline of ['quiet', 'BOOTIF=01-b4-96-91-aa-bb', 'BOOTIF=01-b4-96-91-aa-bb-zz', 'BOOTIF=01-00-11-22-33-44-55']) {
      const m = fakeMachine(SERVER, cmdline);
      assert.equal(run(shell, path(), m.env, 'dploy_nic_order'), expected, cmdline);
    }
  });
}

test("/init's DHCP loop asks on the BOOTIF NIC first, goes on to the next when it gets no lease, and exports the MAC of the one that did", () => {
  const m = fakeMachine(SERVER, 'BOOTIF=01-b4-96-91-aa-bb-cc');
  const bin = join(m.dir, 'bin');
  mkdirSync(bin);
  const calls = join(m.dir, 'calls');
  // Stand-ins: ip records the NIC brought up; udhcpc records its NIC and leases only on eno2 (the boot NIC's cable is down).
  writeFileSync(join(bin, 'ip'), `#!/bin/sh\necho "ip $*" >> '${calls}'\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'udhcpc'), `#!/bin/sh\necho "udhcpc $2" >> '${calls}'\n[ "$2" = eno2 ]\n`, { mode: 0o755 });
  const out = run(
    [BUSYBOX, 'sh'],
    `${bin}:${busyboxPath({ sort: BUSYBOX, cut: BUSYBOX })}`,
    m.env,
    'dploy_dhcp && echo "mac=$DPLOY_NIC_MAC"; sh -c \'echo "child=$DPLOY_NIC_MAC"\'',
  );
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
    'ip link set enp65s0f0 up',
    'udhcpc enp65s0f0',
    'ip link set eno1 up',
    'udhcpc eno1',
    'ip link set eno2 up',
    'udhcpc eno2',
  ]);
  assert.match(out, /DHCP lease on eno2 \(3c:ec:ef:00:00:02, physical\)/);
  assert.match(out, /^mac=3c:ec:ef:00:00:02$/m);
  assert.match(out, /^child=3c:ec:ef:00:00:02$/m, 'exported, so dploy-wait (a child of /init) sees it');
});
