// dploy dhcp export --server isc|kea|dnsmasq [--boot]
// Prints the host entries (or the once-included boot snippet) for the site's
// DHCP server; docs/dhcp.md says where to include them.

import { Command } from 'commander';
import { bootNicEntries, DHCP_PROVIDERS, exportDhcp, type DhcpServerName } from '../dhcp/index.js';
import { dhcpBootOptions, httpBaseUrl } from '../boot-wiring.js';
import { DployError } from '../errors.js';
import { listHosts } from '../store/hosts.js';
import { configOf, printFile, withStore } from './context.js';

export function dhcpCommand(): Command {
  const dhcp = new Command('dhcp').description('host entries for ISC dhcpd, Kea and dnsmasq');
  dhcp
    .command('export')
    .requiredOption('--server <server>', `one of ${Object.keys(DHCP_PROVIDERS).join(', ')}`)
    .option('--boot', 'print the boot snippet (loader by DHCP option 93) instead of the host entries')
    .option('--next-server <address>', 'TFTP server address machines boot from (default: from http.baseUrl)')
    .action(async (o: { server: string; boot?: boolean; nextServer?: string }, command: Command) => {
      if (!(o.server in DHCP_PROVIDERS)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `--server must be one of ${Object.keys(DHCP_PROVIDERS).join(', ')}`);
      const { config } = configOf(command);
      const baseUrl = httpBaseUrl(config, config.http.port);
      const hosts = o.boot ? [] : await withStore(command, (store) => listHosts(store.db.manager));
      const entries = bootNicEntries(hosts);
      printFile(exportDhcp(o.server as DhcpServerName, entries, dhcpBootOptions(config, baseUrl, o.nextServer), o.boot ? 'boot' : 'hosts'));
    });
  return dhcp;
}
