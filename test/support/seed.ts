// Seeds many machines with a task in one go, through the same store calls
// dploy uses (for the runner tests and benchmarks).

import type { Store } from '../../plugin/store/database.js';
import { upsertHost } from '../../plugin/store/hosts.js';
import { setHostTask } from '../../plugin/store/tasks.js';
import type { TaskKind } from '../../plugin/model/task.js';

export function seedMac(i: number, nic = 0): string {
  return (0x525400000000 + i * 4 + nic).toString(16).padStart(12, '0').match(/../g)!.join(':');
}

export async function seedHostsWithTask(store: Store, count: number, task: TaskKind, profile?: string): Promise<number[]> {
  const ids: number[] = [];
  const chunk = 500;
  for (let start = 0; start < count; start += chunk) {
    await store.db.transaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + chunk); i++) {
        const { id } = await upsertHost(tx, { name: `node${i}`, macs: [seedMac(i), seedMac(i, 1)] });
        await setHostTask(tx, id, task, profile);
        ids.push(id);
      }
    });
  }
  return ids;
}
