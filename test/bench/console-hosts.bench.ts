// The console's hosts page and the host API with 10,000 machines (issue 23's
// targets: a page answered in under 50 ms at p95, under 100 KB). SQLite, one
// server in this process, its requests timed from the client on loopback.

import { startTrustServer } from '../support/trust-server.js';
import { seedHostsWithTask } from '../support/seed.js';
import { addUser } from '../../plugin/store/users.js';
import { createApiToken } from '../../plugin/store/api-tokens.js';
import { getPage, login } from '../support/console-client.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const ROUNDS = 60;
const TARGET_P95_MS = 50;
const TARGET_BYTES = 100 * 1024;

const dploy = await startTrustServer('sqlite', { log: { level: 'warn' } });
try {
  const store = dploy.server.store;
  await seedHostsWithTask(store, HOSTS, 'discover');
  await addUser(store.db.manager, 'bench', 'operator', 'long enough password');
  const { token } = await createApiToken(store.db.manager, 'bench', 'viewer');
  const who = await login(dploy.url, 'bench', 'long enough password');
  const measure = async (label: string, ask: () => Promise<Response>) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const answer = await ask();
      bytes = (await answer.arrayBuffer()).byteLength;
      ms.push(performance.now() - t0);
      if (answer.status !== 200) throw new Error(`${label}: ${answer.status}`);
    }
    ms.sort((a, b) => a - b);
    const p95 = ms[Math.ceil(ROUNDS * 0.95) - 1]!;
    const met = p95 < TARGET_P95_MS && bytes < TARGET_BYTES ? 'met' : 'NOT met';
    console.log(`${label.padEnd(40)} ${ms[ROUNDS / 2]!.toFixed(1).padStart(7)} ${p95.toFixed(1).padStart(7)} ${String(bytes).padStart(9)}  ${met}`);
  };
  console.log(`\nconsole and API with ${HOSTS} hosts, ${ROUNDS} requests each (targets: p95 < ${TARGET_P95_MS} ms, < ${TARGET_BYTES} bytes)`);
  console.log(`${'request'.padEnd(40)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'bytes'.padStart(9)}`);
  await measure('GET / (first page of 50)', () => getPage(`${dploy.url}/`, who));
  await measure('GET /?page=150', () => getPage(`${dploy.url}/?page=150`, who));
  await measure('GET /?q=node99 (search)', () => getPage(`${dploy.url}/?q=node99`, who));
  await measure('GET /?boot=localboot&status=x (filter)', () => getPage(`${dploy.url}/?boot=localboot&status=x`, who));
  await measure('GET /hosts/5000', () => getPage(`${dploy.url}/hosts/5000`, who));
  const api = (path: string) => fetch(`${dploy.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await measure('GET /api/v1/hosts (default page of 100)', () => api('/api/v1/hosts'));
  await measure('GET /api/v1/hosts?limit=50&offset=7450', () => api('/api/v1/hosts?limit=50&offset=7450'));
  await measure('GET /api/v1/hosts?after=node7450 (cursor)', () => api('/api/v1/hosts?after=node7450'));
  // What a script that wants every host now does: follow next to the end.
  const t0 = performance.now();
  let pages = 0;
  let seen = 0;
  for (let path: string | null = '/api/v1/hosts?limit=1000'; path; pages++) {
    const page = (await (await api(path)).json()) as { hosts: unknown[]; next: string | null };
    seen += page.hosts.length;
    path = page.next;
  }
  if (seen !== HOSTS) throw new Error(`the next links walked ${seen} hosts of ${HOSTS}`);
  console.log(`every host by next links (limit=1000): ${pages} pages, ${seen} hosts, ${(performance.now() - t0).toFixed(0)} ms in all`);
} finally {
  await dploy.close();
}
