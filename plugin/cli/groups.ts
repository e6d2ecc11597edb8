// dploy groups create|list|show|add|remove|set (standalone groups; set: groups-bmc.ts)

import { Command } from 'commander';
import { addGroupMembers, createGroup, getGroup, listGroups, removeGroupMembers } from '../store/groups.js';
import { getHost } from '../store/hosts.js';
import type { EntityManager } from 'typeorm';
import { print, printJson, withStore } from './context.js';
import { renderTable } from './table.js';
import { addGroupsSetCommand } from './groups-bmc.js';
import { readGroupBmc } from '../store/group-bmcs.js';
import { describeGroupBmc } from '../power/bmc-credentials.js';

async function hostIds(db: EntityManager, refs: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const ref of refs) ids.push((await getHost(db, ref)).id);
  return ids;
}

export function groupsCommand(): Command {
  const groups = new Command('groups').description('named sets of machines to set tasks on at once (standalone)');
  groups
    .command('create <name>')
    .option('--description <text>')
    .option('--json')
    .action(async (name: string, o: { description?: string; json?: boolean }, command: Command) => {
      const group = await withStore(command, (s) => createGroup(s.db.manager, name, o.description));
      if (o.json) printJson(group);
      else print(`created group ${group.name}\n`);
    });
  groups
    .command('list')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (s) => listGroups(s.db.manager));
      if (o.json) return printJson(list);
      print(
        renderTable(
          ['NAME', 'MEMBERS', 'DESCRIPTION'],
          list.map((g) => [g.name, g.hostIds.length, g.description]),
        ),
      );
    });
  groups
    .command('show <name>')
    .option('--json')
    .action(async (name: string, o: { json?: boolean }, command: Command) => {
      const { group, bmc } = await withStore(command, async (s) => {
        const found = await getGroup(s.db.manager, name);
        const defaults = await readGroupBmc(s.db.manager, found.id);
        return { group: found, bmc: defaults ? describeGroupBmc(defaults) : null };
      });
      if (o.json) return printJson({ ...group, bmcDefaults: bmc });
      print(`${group.name}: ${group.hostIds.length} member(s): host ids ${group.hostIds.join(', ') || '-'}\n`);
      if (bmc) print(`BMC defaults: ${bmc}\n`);
    });
  for (const [verb, change] of [
    ['add', addGroupMembers],
    ['remove', removeGroupMembers],
  ] as const) {
    groups
      .command(`${verb} <name> <hosts...>`)
      .description(`${verb} machines (id, name or MAC)`)
      .option('--json')
      .action(async (name: string, refs: string[], o: { json?: boolean }, command: Command) => {
        const group = await withStore(command, (s) => s.db.transaction(async (tx) => change(tx, name, await hostIds(tx, refs))));
        if (o.json) printJson(group);
        else print(`group ${group.name}: ${group.hostIds.length} member(s)\n`);
      });
  }
  addGroupsSetCommand(groups);
  return groups;
}
