// dploy inventories: the size of the inventory store (documents, hosts,
// bytes) and how many documents each host keeps (agent.inventoriesKept).

import { Command } from 'commander';
import { inventoryStoreSize } from '../store/inventory-store.js';
import { configOf, print, printJson, withStore } from './context.js';

export function inventoriesCommand(): Command {
  return new Command('inventories')
    .description('size of the inventory store and how many documents each host keeps')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const kept = configOf(command).config.agent.inventoriesKept;
      const size = await withStore(command, (s) => inventoryStoreSize(s.db.manager));
      if (o.json) return printJson({ ...size, keptPerHost: kept });
      print(
        `inventories: ${size.documents} document(s) of ${size.hosts} host(s), ${size.postedBytes} bytes as posted (stored gzip-compressed); ` +
          `${kept} distinct document(s) kept per host (agent.inventoriesKept)\n`,
      );
    });
}
