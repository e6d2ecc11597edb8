// Real DHCP traffic: each server runs in a network namespace of the test's
// own, configured with the documented include lines (pxe/dhcp/*.example) and
// the files applyDhcpFile wrote; a udhcpc client in a second namespace plays
// each machine of the test site with the option 93 / option 77 its firmware
// sends, and must receive the right address, next-server and boot file name.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { applyDhcpBootFile, applyDhcpFile, DHCP_PROVIDERS } from '../../../plugin/dhcp/index.js';
import { GOLDEN_FILES, SITE_HOSTS, SITE_OPTIONS } from '../../fixtures/dhcp/site.js';
import { requireTool } from './debian-tools.js';
import { createNetnsPair } from './netns-pair.js';
import type { NetnsPair } from './netns-pair.js';
import { requestLease } from './pxe-client.js';
import type { Lease, PxeRequest } from './pxe-client.js';
import { startSiteServer } from './site-server.js';

const SERVERS = ['isc', 'kea', 'dnsmasq'] as const;
const NEXT = SITE_OPTIONS.nextServer;
const PXE = 'PXEClient:Arch:00000:UNDI:002001';

const CASES: Array<{ what: string; request: PxeRequest; expect: Lease }> = [
  {
    what: 'a BIOS machine (option 93 = 0) gets pxelinux.0',
    request: { mac: '52:54:00:0a:00:01', vendorClass: PXE, arch: 0 },
    expect: { ip: '192.0.2.11', siaddr: NEXT, boot_file: 'pxelinux.0', hostname: 'bios-node01' },
  },
  {
    what: 'a UEFI x64 machine (option 93 = 7) gets grubx64.efi',
    request: { mac: '52:54:00:0a:00:02', vendorClass: PXE, arch: 7 },
    expect: { ip: '192.0.2.12', siaddr: NEXT, boot_file: 'grubx64.efi', hostname: 'uefi-node02' },
  },
  {
    what: 'an ARM64 machine (option 93 = 11) gets grubaa64.efi',
    request: { mac: '52:54:00:0a:00:03', vendorClass: PXE, arch: 11 },
    expect: { ip: '192.0.2.13', siaddr: NEXT, boot_file: 'grubaa64.efi', hostname: 'arm-node03' },
  },
  {
    what: 'an Itanium machine (option 93 = 2) gets elilo.efi',
    request: { mac: '52:54:00:0a:00:04', vendorClass: PXE, arch: 2 },
    expect: { ip: '192.0.2.14', siaddr: NEXT, boot_file: 'elilo.efi', hostname: 'itanium-node04' },
  },
  {
    what: 'iPXE (user class iPXE) gets the script URL, not a loader again',
    request: { mac: '52:54:00:0a:00:05', vendorClass: PXE, arch: 7, userClass: 'iPXE' },
    expect: { ip: '192.0.2.15', boot_file: 'http://192.0.2.1:8080/boot/ipxe?mac=${netX/mac}', hostname: 'ipxe-node05' },
  },
  {
    what: 'a host without a fixed address gets a pool address, its name and a loader',
    request: { mac: '52:54:00:0a:00:06', vendorClass: PXE, arch: 0 },
    expect: { siaddr: NEXT, boot_file: 'pxelinux.0', hostname: 'dynamic-node06' },
  },
  {
    what: 'an old PXE ROM that sends no option 93 is treated as BIOS',
    request: { mac: '52:54:00:0a:00:21', vendorClass: 'PXEClient' },
    expect: { siaddr: NEXT, boot_file: 'pxelinux.0' },
  },
  {
    what: 'an architecture dploy has no loader for (option 93 = 10, ARM32 UEFI) gets no boot file',
    request: { mac: '52:54:00:0a:00:24', vendorClass: PXE, arch: 10 },
    expect: { boot_file: undefined },
  },
  {
    what: 'a UEFI HTTP boot client (option 93 = 16) gets a URL and vendor class HTTPClient',
    request: { mac: '52:54:00:0a:00:22', vendorClass: 'HTTPClient:Arch:00016', arch: 16 },
    expect: { boot_file: 'http://192.0.2.1:8080/boot/files/grubx64.efi', vendor: 'HTTPClient' },
  },
];

let pair: NetnsPair | undefined;
before(() => {
  requireTool('ip');
  requireTool('udhcpc');
  pair = createNetnsPair();
});
after(() => pair?.remove());

for (const server of SERVERS) {
  test(`${server} in a namespace hands each test-site machine its address and boot loader`, async () => {
    requireTool(server);
    const dir = await mkdtemp(join(tmpdir(), `dploy-dhcp-${server}-`));
    const provider = DHCP_PROVIDERS[server]();
    const files = GOLDEN_FILES[server];
    await applyDhcpFile({ provider, path: join(dir, files.hosts), entries: SITE_HOSTS, options: SITE_OPTIONS });
    await applyDhcpBootFile({ provider, path: join(dir, files.boot), options: SITE_OPTIONS });
    const running = await startSiteServer(server, pair!, dir);
    try {
      for (const { what, request, expect } of CASES) {
        const lease = await requestLease(pair!, request);
        const seen = Object.fromEntries(Object.keys(expect).map((key) => [key, lease[key as keyof Lease]]));
        assert.deepEqual(seen, expect, `${server}: ${what}`);
        if (expect.ip === undefined) assert.match(lease.ip ?? '', /^192\.0\.2\.(1\d\d|200)$/, `${server}: ${what}: pool address`);
      }
      const plain = await requestLease(pair!, { mac: '52:54:00:0a:00:23' });
      assert.equal(plain.boot_file, undefined, `${server}: a machine that is not network-booting must get no boot file`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${server} output ---\n${running.output().slice(-3000)}`, { cause: err });
    } finally {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

// The reload commands docs/dhcp.md gives: SIGHUP re-reads dnsmasq's hosts file and Kea's whole configuration.
for (const server of ['dnsmasq', 'kea'] as const) {
  test(`${server} serves a host added later after the SIGHUP reload command, without a restart`, async () => {
    requireTool(server);
    const dir = await mkdtemp(join(tmpdir(), `dploy-dhcp-reload-${server}-`));
    const provider = DHCP_PROVIDERS[server]();
    const path = join(dir, GOLDEN_FILES[server].hosts);
    await applyDhcpFile({ provider, path, entries: SITE_HOSTS, options: SITE_OPTIONS });
    await applyDhcpBootFile({ provider, path: join(dir, GOLDEN_FILES[server].boot), options: SITE_OPTIONS });
    const running = await startSiteServer(server, pair!, dir);
    try {
      const newcomer = { name: 'late-node07', mac: '52:54:00:0a:00:07', ip: '192.0.2.17' };
      const reloadCommand = ['/bin/kill', '-HUP', String(running.pid)];
      const outcome = await applyDhcpFile({ provider, path, entries: [...SITE_HOSTS, newcomer], options: SITE_OPTIONS, reloadCommand });
      assert.deepEqual(outcome, { changed: true, reloaded: true });
      const lease = await requestLease(pair!, { mac: newcomer.mac, vendorClass: PXE, arch: 9 });
      assert.deepEqual([lease.ip, lease.hostname, lease.boot_file], ['192.0.2.17', 'late-node07', 'grubx64.efi']);
    } finally {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
