// The lab's servers beside dploy: dnsmasq answering DHCP with the files dploy
// exports, and the wait for a server to listen inside the namespace.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNetwork, LabProcess } from './lab-network.js';

/**
 * dnsmasq in the lab with the files `dploy dhcp export` wrote, unchanged but for `withoutIpxeScript`:
 * without the line that hands iPXE dploy's HTTP script, iPXE loads pxelinux.0 from TFTP instead.
 */
export function startDnsmasq(lab: LabNetwork, work: string, files: { hosts: string; boot: string }, o: { withoutIpxeScript?: boolean } = {}): LabProcess {
  if (o.withoutIpxeScript) {
    const boot = readFileSync(files.boot, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('dhcp-userclass='))
      .join('\n');
    writeFileSync(files.boot, boot);
  }
  return lab.start(
    'dnsmasq',
    [
      'dnsmasq',
      '--keep-in-foreground',
      `--conf-file=${files.boot}`,
      `--dhcp-hostsfile=${files.hosts}`,
      '--interface=br0',
      '--bind-interfaces',
      '--user=root',
      '--group=root',
      '--pid-file=',
      `--dhcp-leasefile=${join(work, 'leases')}`,
      '--dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,10m',
      // DNS on, with no upstream: DHCP then hands out option 6, without which d-i stops at a
      // critical "Name server addresses" question before fetching the preseed (PXE-E2E.md, gotcha 1).
      '--no-resolv',
      '--no-hosts',
      '--domain=e2e.invalid',
      '--local=/e2e.invalid/',
      // Fill the BOOTP file field and siaddr too: shim and EDK2 take the loader from there (RFC 951; gotcha 3).
      '--dhcp-no-override',
      // Router advertisements, as most site networks send: without one iPXE waits ~13 s for IPv6
      // autoconfiguration before its first TFTP request (gotcha 2). d-i still boots over IPv4.
      '--enable-ra',
      '--dhcp-range=::,constructor:br0,ra-only',
      '--log-dhcp',
      '--log-facility=-',
    ],
    join(work, 'dnsmasq.log'),
  );
}

/** Waits until `started` listens on every port in the lab's namespace; fails with its log when it exits or at 60 s. */
export async function waitForListeners(network: LabNetwork, ports: Array<['tcp' | 'udp', number]>, started: LabProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ports.every(([protocol, port]) => network.listening(protocol, port))) {
    if (started.child.exitCode !== null) assert.fail(`${started.name} exited with ${started.child.exitCode}:\n${readFileSync(started.logFile, 'utf8')}`);
    if (Date.now() > deadline)
      assert.fail(`${started.name} did not listen on ${ports.map(([p, n]) => `${p}/${n}`).join(', ')} within 60 s:\n${readFileSync(started.logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
