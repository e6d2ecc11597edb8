// Issue 20: MariaDB killed and restarted in the middle of 1,000 inventory
// posts (agent-scripts/dploy-inventory) and 100 installer callbacks
// (callback.sh as served), both run by busybox sh with busybox wget, 16 at a
// time. Every one must land exactly once: 1,000 new machines with one
// inventory each, 100 "installed" applied once, no script giving up. The
// database is a private mariadbd (its own datadir, socket and port): the
// shared server is never touched. It is killed with SIGKILL, so a post whose
// commit reached the disk may still lose its answer, and be posted again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxPath } from '../../support/busybox-env.js';
import { startPrivateMariadb } from '../../support/private-mariadb.js';
import { runDploy } from '../../support/cli.js';
import { machineDocument, postInventory, requestFrom, startTrustServer } from '../../support/trust-server.js';
import { loadMac } from '../../support/pxe-load.js';
import { listJobs, jobEvents } from '../../../plugin/store/jobs.js';

const INVENTORIES = Number(process.env.DPLOY_RESTART_INVENTORIES ?? 1000);
const CALLBACKS = 100;
const AT_ONCE = 16;
const BUSYBOX = '/usr/bin/busybox';
const AGENT = fileURLToPath(new URL('../../../agent-scripts/dploy-inventory', import.meta.url));
const PROFILE = fileURLToPath(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url));

interface Run {
  name: string;
  code: number | null;
  stderr: string;
}

function runScript(path: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(join(path, 'sh'), args, { env: { PATH: path, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.once('exit', (code) => resolve({ name: args.join(' ').slice(0, 80), code, stderr }));
  });
}

/** Setup requests AT_ONCE at a time: one by one they took a minute on a loaded machine. */
async function inBatches<T>(items: T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += AT_ONCE) await Promise.all(items.slice(i, i + AT_ONCE).map(each));
}

test(
  `MariaDB killed and restarted during ${INVENTORIES} inventory posts and ${CALLBACKS} callbacks: each lands exactly once`,
  { timeout: 600_000 },
  async (t) => {
    const setup = performance.now();
    const mariadb = await startPrivateMariadb();
    const dploy = await startTrustServer('mysql', {}, (url) => url, { dialect: 'mysql', name: 'dploy', url: mariadb.url, drop: async () => undefined });
    const lap = (what: string) => t.diagnostic(`${what}: ${((performance.now() - setup) / 1000).toFixed(1)} s`);
    lap('private mariadbd up, migrated, dploy serving');
    try {
      const work = join(dploy.cwd, 'restart');
      mkdirSync(work);
      const cli = async (...args: string[]) => {
        const run = await runDploy(args, { cwd: dploy.cwd, env: { DPLOY_DATABASE_URL: dploy.databaseUrl } });
        assert.equal(run.code, 0, `dploy ${args.join(' ')}: ${run.stderr}`);
      };

      // 100 machines in an install job each, their answer files fetched: callback.sh as each installer gets it.
      const installMacs = Array.from({ length: CALLBACKS }, (_, i) => loadMac(0x30, i));
      await inBatches(installMacs, async (mac) =>
        assert.equal((await postInventory(dploy.url, dploy.enrollment, machineDocument(mac, `RESTART-I${mac.slice(-5)}`))).status, 200),
      );
      lap(`${CALLBACKS} machines posted`);
      await cli('profiles', 'add', PROFILE);
      await cli('groups', 'create', 'installs');
      await cli('groups', 'add', 'installs', ...installMacs);
      await cli('task', 'set', '@installs', 'install', '--profile', 'debian-12-web');
      await cli('runner', '--once');
      lap(`${CALLBACKS} install jobs opened`);
      const callbacks: string[] = [];
      await inBatches(installMacs, async (mac) => {
        const entry = await requestFrom('127.0.0.1', `${dploy.url}/boot/ipxe?mac=${mac}`);
        const token = /\/answers\/([A-Za-z0-9_-]+)/.exec(entry.text)?.[1];
        assert.ok(token, `an install entry for ${mac}: ${entry.text}`);
        assert.equal((await requestFrom('127.0.0.1', `${dploy.url}/answers/${token}`)).status, 200);
        const script = join(work, `callback-${mac.replace(/:/g, '')}.sh`);
        writeFileSync(script, (await requestFrom('127.0.0.1', `${dploy.url}/answers/${token}/callback.sh`)).text);
        callbacks.push(script);
      });

      // 1,000 machines to discover, each with its own lshw document (the real fixture, its identity replaced).
      const path = busyboxPath({ date: BUSYBOX, timeout: BUSYBOX, awk: BUSYBOX });
      const lshw = join(work, 'lshw');
      writeFileSync(lshw, `#!${join(path, 'sh')}\ncat "$DPLOY_TEST_DOCUMENT"\n`);
      chmodSync(lshw, 0o755);
      const scripts: Array<() => Promise<Run>> = [];
      for (let i = 0; i < INVENTORIES; i++) {
        const mac = loadMac(0x10 + (i >> 8), i & 0xff);
        const document = join(work, `lshw-${i}.xml`);
        writeFileSync(document, machineDocument(mac, `RESTART-D${i}`, `RESTARTDISK${i}`));
        scripts.push(() =>
          runScript(path, [AGENT, '--url', dploy.url, '--token', dploy.enrollment], {
            DPLOY_LSHW: lshw,
            DPLOY_TEST_DOCUMENT: document,
            DPLOY_CMDLINE: '/nonexistent',
            DPLOY_OUT: '/dev/null',
          }),
        );
        // The callbacks spread among the posts, so the outage hits both.
        if (i % (INVENTORIES / CALLBACKS) === 0 && callbacks.length > 0) {
          const script = callbacks.shift()!;
          scripts.push(() => runScript(path, [script, 'installed', 'debian-installer finished'], {}));
        }
      }

      t.diagnostic(`setup (private mariadbd, ${CALLBACKS} install jobs, ${INVENTORIES} documents): ${((performance.now() - setup) / 1000).toFixed(1)} s`);
      const started = performance.now();
      let done = 0;
      let restart: Promise<void> | undefined;
      const results: Run[] = [];
      const next = async (): Promise<void> => {
        for (let script = scripts.shift(); script; script = scripts.shift()) {
          results.push(await script());
          done++;
          // A third of the way: the database dies without warning and is back 3 s later.
          if (done === Math.floor((INVENTORIES + CALLBACKS) / 3)) {
            restart = (async () => {
              await mariadb.kill();
              t.diagnostic(`mariadbd killed after ${done} scripts, ${((performance.now() - started) / 1000).toFixed(1)} s in`);
              await new Promise((resolve) => setTimeout(resolve, 3000));
              await mariadb.start();
              t.diagnostic(`mariadbd back, ${((performance.now() - started) / 1000).toFixed(1)} s in`);
            })();
          }
        }
      };
      await Promise.all(Array.from({ length: AT_ONCE }, next));
      await restart;
      t.diagnostic(
        `${results.length} scripts in ${((performance.now() - started) / 1000).toFixed(1)} s; ${results.filter((r) => /retrying/.test(r.stderr)).length} retried`,
      );
      assert.ok(restart, 'the database was restarted during the run');

      const failed = results.filter((r) => r.code !== 0 || /refused|could not report|ERROR/.test(r.stderr));
      assert.deepEqual(failed.slice(0, 3), [], `${failed.length} scripts failed`);
      const db = dploy.server.store.db;
      const [hosts] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT serial) AS serials FROM dploy_hosts');
      assert.deepEqual(
        { n: Number(hosts.n), serials: Number(hosts.serials) },
        { n: INVENTORIES + CALLBACKS, serials: INVENTORIES + CALLBACKS },
        'one host per machine',
      );
      const [inventories] = await db.query('SELECT COUNT(*) AS n, COUNT(DISTINCT host_id) AS hosts FROM dploy_inventories');
      assert.deepEqual(
        { n: Number(inventories.n), hosts: Number(inventories.hosts) },
        { n: INVENTORIES + CALLBACKS, hosts: INVENTORIES + CALLBACKS },
        'one inventory per machine',
      );
      const jobs = await listJobs(db.manager, { active: true });
      assert.equal(jobs.length, CALLBACKS);
      for (const job of jobs) {
        const events = await jobEvents(db.manager, job.id);
        // A report whose answer was lost to the crash is sent again: recorded as ignored (finishing -> finishing), not applied.
        assert.equal(events.filter((e) => e.toState === 'finishing' && e.fromState !== 'finishing').length, 1, `job ${job.id}: installed applied once`);
        assert.ok(
          events.filter((e) => e.fromState === 'finishing').every((e) => /^ignored installed/.test(e.message ?? '')),
          `job ${job.id}: a repeated report is only recorded as ignored: ${JSON.stringify(events)}`,
        );
        assert.equal(job.state, 'finishing', `job ${job.id}`);
      }
    } finally {
      await dploy.close();
      await mariadb.stop();
    }
  },
);
