// dploy hosts list|show|add|set|accept-cert|forget (and ssh|keys|accept-key, remote-access.ts)

import { Command } from 'commander';
import type { Host } from '../model/host.js';
import { hostView } from '../model/host-view.js';
import { getHost, listHosts } from '../store/hosts.js';
import { latestInventory } from '../store/inventories.js';
import { formatBytes, hardwareView, type HardwareView } from '../model/hardware-view.js';
import { print, printJson, withStore } from './context.js';
import { renderFields, renderTable } from './table.js';
import { addRemoteAccessCommands } from './remote-access.js';
import { describeAccess } from '../store/remote-access.js';
import { addHostsAcceptCertCommand, addHostsSetCommand } from './hosts-bmc.js';
import { describeResolvedBmc, resolveHostBmc } from '../power/bmc-resolve.js';
import { readLearnedBmc, type LearnedBmc } from '../store/host-bmc-learned.js';
import { visibleValue } from './terminal-text.js';

export function hostsCommand(): Command {
  const hosts = new Command('hosts').description('list, show, add, set (BMC, SSH) and forget machines; their pinned SSH keys');

  hosts
    .command('list')
    .description('list every machine dploy knows')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (store) => listHosts(store.db.manager));
      if (options.json) return printJson(list.map(hostView));
      print(
        renderTable(
          ['ID', 'NAME', 'MACS', 'SERIAL', 'BOOT', 'STATUS'],
          list.map((h) => {
            const v = hostView(h);
            return [v.id, v.name, v.macs.join(','), v.serial, v.bootState, v.status];
          }),
        ),
      );
    });

  hosts
    .command('show <host>')
    .description('show one machine (by id, name or MAC)')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const { host, stored, ssh, power, learned } = await withStore(command, async (store) => {
        const found = await getHost(store.db.manager, ref);
        const bmc = await resolveHostBmc(store.db.manager, found);
        const learned = await readLearnedBmc(store.db.manager, found.id);
        return {
          learned,
          host: found,
          stored: await latestInventory(store.db.manager, found.id),
          ssh: await describeAccess(store.db.manager, found.id),
          power: bmc ? describeResolvedBmc(bmc) : null,
        };
      });
      const hardware = stored ? hardwareView(stored.inventory) : null;
      if (options.json)
        return printJson({
          ...hostView(host),
          ssh: ssh ?? null,
          bmcPower: power,
          bmcLearned: learned ? { ...learned, learnedAt: learned.learnedAt.toISOString() } : null,
          hardware,
          inventoryReceivedAt: stored?.receivedAt.toISOString() ?? null,
        });
      print(describeHost(host, power, learned));
      if (ssh) print(renderFields([['SSH', `${ssh.user}@${ssh.address ?? host.name}:${ssh.port}, ${ssh.login}`]]));
      print(
        hardware && stored
          ? describeHardware(hardware, stored.receivedAt, hostView(host).bootNic?.mac)
          : '\nNo inventory yet: the machine has not been through discovery.\n',
      );
    });

  hosts
    .command('add')
    .description('add a machine by hand (for machines that cannot PXE-boot discovery)')
    .requiredOption('--mac <mac...>', 'NIC MAC address(es), the boot NIC first')
    .requiredOption('--name <name>', 'host name (RFC 1123)')
    .option('--bmc <address>', 'BMC (iLO/IPMI/Redfish) address')
    .option('--json', 'print JSON for scripts')
    .action(async (options: { mac: string[]; name: string; bmc?: string; json?: boolean }, command: Command) => {
      const host = await withStore(command, (_store, platform) =>
        platform.addHost({ name: options.name, macs: options.mac, bootMac: options.mac[0]!, ...(options.bmc ? { bmcAddress: options.bmc } : {}) }),
      );
      if (options.json) return printJson(hostView(host));
      print(`added host ${host.name} (id ${host.id})\n`);
    });

  addHostsSetCommand(hosts);
  addHostsAcceptCertCommand(hosts);

  hosts
    .command('forget <host>')
    .description('delete a machine so that discovery starts again')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const host = await withStore(command, async (store, platform) => {
        const found = await getHost(store.db.manager, ref);
        await platform.forgetHost(found.id);
        return found;
      });
      if (options.json) return printJson({ forgotten: hostView(host) });
      print(`forgot host ${host.name} (id ${host.id}); it will be discovered again at its next network boot\n`);
    });

  addRemoteAccessCommands(hosts);
  return hosts;
}

function describeHost(host: Host, power: string | null, learned: LearnedBmc | undefined): string {
  const v = hostView(host);
  // The operator's address wins; a learned one is shown only where there is none.
  const learnedText = learned && `${learned.address} (learned from inventory${learned.mac ? `, MAC ${learned.mac}` : ''}, ${learned.learnedAt.toISOString()})`;
  return renderFields([
    ['ID', v.id],
    ['Name', v.name],
    ['MACs', v.macs.join(', ')],
    ['Boot NIC', v.bootNic ? `${v.bootNic.mac} (${v.bootNic.why})` : null],
    ['UUID', v.uuid],
    ['Serial', v.serial],
    ['Architecture', v.arch],
    ['Firmware', v.firmware],
    ['BMC', v.bmcAddress ?? learnedText ?? null],
    ['BMC power', power ?? 'none (tasks wait for a person to power-cycle)'],
    ['Boot state', v.bootState],
    ['Status', v.status],
    ['Created', v.createdAt],
    ['Updated', v.updatedAt],
  ]);
}

function describeHardware(hw: HardwareView, receivedAt: Date, bootMac: string | undefined): string {
  const lines = [
    '',
    `Hardware (inventory of ${receivedAt.toISOString()}):`,
    renderFields([
      ['Vendor', hw.vendor],
      ['Product', hw.product],
      ['SKU', hw.sku],
      ['Serial', hw.serial],
      ['UUID', hw.uuid],
      ['Architecture', hw.arch],
      ['Firmware', hw.firmware],
      [
        'CPUs',
        `${hw.cpuSockets} x ${hw.cpuModel ?? 'unknown model'}${hw.cores !== null ? `, ${hw.cores} cores` : ''}${hw.threads !== null ? `, ${hw.threads} threads` : ''}`,
      ],
      ['Memory', formatBytes(hw.memoryBytes)],
    ]).trimEnd(),
    `Disks (${hw.disks.length}):`,
    ...hw.disks
      .map(
        (d) =>
          `  ${d.name ?? '(no device name)'}  ${formatBytes(d.sizeBytes)}  ${d.media}${d.model ? `  ${d.model}` : ''}${d.serial ? `  serial ${d.serial}` : ''}`,
      )
      .map(visibleValue),
    `NICs (${hw.nics.length}):`,
    ...hw.nics
      .map(
        (n) =>
          `  ${n.name ?? '(no name)'}  ${n.mac}${n.driver ? `  ${n.driver}` : ''}${n.speedMbps ? `  ${n.speedMbps} Mbit/s` : ''}${n.link === null ? '' : n.link ? '  link up' : '  link down'}${n.mac === bootMac ? '  (boot NIC)' : ''}`,
      )
      .map(visibleValue),
  ];
  return lines.join('\n') + '\n';
}
