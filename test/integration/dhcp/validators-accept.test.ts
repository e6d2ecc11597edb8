// Contract suite over every server: each file dploy renders for the test site
// passes that server's own test mode (dhcpd -t, kea-dhcp4 -t, dnsmasq --test),
// and each validator really rejects a broken file (so "passes" means something).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { DHCP_PROVIDERS, exportDhcp } from '../../../plugin/dhcp/index.js';
import type { DhcpFileKind } from '../../../plugin/dhcp/index.js';
import { PROXY_OPTIONS, SITE_HOSTS, SITE_OPTIONS } from '../../fixtures/dhcp/site.js';
import { requireTool } from './debian-tools.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dploy-dhcp-validate-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** What an unescaped hostile name or MAC would have produced, per server. */
const BROKEN: Record<'isc' | 'kea' | 'dnsmasq', string> = {
  isc: 'host web"01 { hardware ethernet 52:54:00:00:00:01; }\n',
  kea: '[ { "hw-address": "52:54:00:00:00:01", "hostname": "web"01" } ]\n',
  dnsmasq: '52:54:00:00:00:01,set:dploy,192.0.2.10,web01\ndhcp-boot=evil.efi\n',
};

for (const server of ['isc', 'kea', 'dnsmasq'] as const) {
  const provider = DHCP_PROVIDERS[server]();

  for (const kind of ['hosts', 'boot'] as const satisfies readonly DhcpFileKind[]) {
    test(`${server} accepts dploy's ${kind} file for the test site`, async () => {
      requireTool(server);
      const path = join(dir, `${server}-${kind}`);
      await writeFile(path, exportDhcp(server, SITE_HOSTS, SITE_OPTIONS, kind));
      await provider.validate(path, kind);
    });
  }

  test(`${server} accepts an empty hosts file (a site with no machines yet)`, async () => {
    requireTool(server);
    const path = join(dir, `${server}-empty`);
    await writeFile(path, exportDhcp(server, [], SITE_OPTIONS));
    await provider.validate(path, 'hosts');
  });

  test(`${server}'s validator rejects a hosts file an unescaped value broke, in its own words`, async () => {
    requireTool(server);
    const path = join(dir, `${server}-broken`);
    await writeFile(path, BROKEN[server]);
    await assert.rejects(provider.validate(path, 'hosts'), (err: unknown) => {
      assert.ok(isDployError(err, 'DPLOY_ERR_DHCP_REJECTED'), String(err));
      assert.match(err.message, new RegExp(path), 'the verdict must name the file');
      assert.ok(err.message.split('\n').length > 1, 'the verdict must carry the validator output');
      return true;
    });
  });
}

test('dnsmasq accepts the proxy-DHCP boot snippet', async () => {
  requireTool('dnsmasq');
  const path = join(dir, 'dnsmasq-proxy');
  await writeFile(path, exportDhcp('dnsmasq', SITE_HOSTS, PROXY_OPTIONS, 'boot'));
  await DHCP_PROVIDERS.dnsmasq().validate(path, 'boot');
});

test('the ISC boot snippet coexists with a site config that already names option 93', async () => {
  requireTool('isc');
  const boot = join(dir, 'isc-boot-coexist');
  await writeFile(boot, exportDhcp('isc', [], SITE_OPTIONS, 'boot'));
  const site = join(dir, 'site-with-arch.conf');
  await writeFile(site, `option arch code 93 = unsigned integer 16;\ninclude "${boot}";\n`);
  await DHCP_PROVIDERS.isc().validate(site, 'boot');
});

test('a missing validator program is reported with the apt-get line', async () => {
  const path = join(dir, 'isc-missing');
  await writeFile(path, exportDhcp('isc', [], SITE_OPTIONS));
  await assert.rejects(DHCP_PROVIDERS.isc({ dhcpdPath: '/nonexistent/dhcpd' }).validate(path, 'hosts'), /apt-get install -y isc-dhcp-server/);
});

test("the documented proxy-DHCP dnsmasq example passes dnsmasq --test with dploy's proxy snippet", async () => {
  requireTool('dnsmasq');
  await writeFile(join(dir, 'dnsmasq-boot.conf'), exportDhcp('dnsmasq', [], PROXY_OPTIONS, 'boot'));
  const example = await readFile(new URL('../../../pxe/dhcp/dnsmasq/dploy-proxy.conf.example', import.meta.url), 'utf8');
  const site = join(dir, 'dploy-proxy.conf');
  await writeFile(site, example.replaceAll('/var/lib/dploy/dhcp/', `${dir}/`));
  await DHCP_PROVIDERS.dnsmasq().validate(site, 'boot');
});
