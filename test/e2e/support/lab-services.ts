// The servers of the e2e lab besides dploy: the site's dnsmasq, fed the files
// `dploy dhcp export` writes, and a wait for a server's ports inside the
// namespace that fails with the server's own log when it exits or never listens.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabNetwork, LabProcess } from './lab-network.js';

/** dnsmasq on the lab's bridge with dploy's hosts file and boot snippet (docs/dhcp.md), as a site includes them. */
export function startDnsmasq(lab: LabNetwork, files: { hosts: string; boot: string }, workDir: string): LabProcess {
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
      `--dhcp-leasefile=${join(workDir, 'leases')}`,
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
    join(workDir, 'dnsmasq.log'),
  );
}

export async function waitForListeners(network: LabNetwork, ports: Array<['tcp' | 'udp', number]>, started: LabProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ports.every(([protocol, port]) => network.listening(protocol, port))) {
    if (started.child.exitCode !== null) assert.fail(`${started.name} exited with ${started.child.exitCode}:\n${readFileSync(started.logFile, 'utf8')}`);
    if (Date.now() > deadline)
      assert.fail(`${started.name} did not listen on ${ports.map(([p, n]) => `${p}/${n}`).join(', ')} within 60 s:\n${readFileSync(started.logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
