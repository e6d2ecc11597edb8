// /mirror requests answered on the native static-file threads
// (native/http-static.c, docs/http.md), asked over raw keep-alive sockets so
// the order of answers on one connection is seen: plain GET and HEAD there,
// everything else handed to Node with its request unread, the same validators
// both ways, a file changed between two requests, clients that hang up
// mid-file, many connections at once, and a server stop with idle
// connections still held by the threads closing with the app. /metrics counts what the threads answered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type AddressInfo, type Socket } from 'node:net';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { startServe, type ServeProcess } from '../../support/serve.js';
import { answerMirrorOnNativeThreads } from '../../../plugin/web/static-connections.js';

const KEY = 'debian-12-x86_64';
const POOL = Array.from({ length: 40 }, (_, i) => ({ name: `pkg-${i}_1.0_amd64.deb`, bytes: randomBytes(50_000 + i * 6_000) }));
const BIG = randomBytes(64 * 1024 * 1024);

let serve: ServeProcess;
let cwd: string;
let tree: string;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One keep-alive connection: requests written as given, answers read in order (head, then Content-Length bytes). */
class Connection {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes the answer being read needs: the data handler wakes the reader only then (a 64 MiB body in one copy). */
  private want = 1;
  private wake?: () => void;
  readonly closed: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      if (this.length >= this.want) this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => (resolve(), this.wake?.())));
  }
  static open(port = Number(new URL(serve.url).port)): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }
  send(...requests: string[]): void {
    this.socket.write(requests.join(''));
  }
  /** The next answer; `noBody` for HEAD and 304. */
  async answer(noBody = false): Promise<Answer> {
    for (;;) {
      const buffered = Buffer.concat(this.chunks);
      this.chunks = [buffered];
      const end = buffered.indexOf('\r\n\r\n');
      this.want = buffered.length + 1;
      if (end >= 0) {
        const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const status = Number(statusLine.split(' ')[1]);
        const length = noBody || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
        if (buffered.length >= end + 4 + length) {
          const rest = buffered.subarray(end + 4 + length);
          this.chunks = [rest];
          this.length = rest.length;
          this.want = 1;
          return { status, headers, body: buffered.subarray(end + 4, end + 4 + length) };
        }
        this.want = end + 4 + length;
      }
      if (this.socket.destroyed) throw new Error(`connection closed with ${buffered.length} bytes of an answer`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: dploy\r\n${extra}\r\n`;
const poolPath = (name: string) => `/mirror/${KEY}/pool/${name}`;

async function answeredOnThreads(): Promise<number> {
  const text = await (await fetch(`${serve.url}/metrics`)).text();
  return Number(/^dploy_http_mirror_native_answers_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'dploy-mirror-threads-'));
  tree = join(cwd, 'var', 'mirror', KEY);
  mkdirSync(join(tree, 'pool'), { recursive: true });
  for (const file of POOL) writeFileSync(join(tree, 'pool', file.name), file.bytes);
  writeFileSync(join(tree, 'big.iso'), BIG);
  // Symlinks as install media have them: a suite naming its codename, a file beside its alias, one leaving the tree.
  mkdirSync(join(tree, 'dists', 'bookworm'), { recursive: true });
  writeFileSync(join(tree, 'dists', 'bookworm', 'Release'), 'Suite: stable\n');
  symlinkSync('bookworm', join(tree, 'dists', 'stable'));
  symlinkSync(POOL[0]!.name, join(tree, 'pool', 'alias_1.0_all.deb'));
  symlinkSync('../../../../../../../../../etc/hostname', join(tree, 'pool', 'leaving.deb'));
  symlinkSync('/etc/hostname', join(tree, 'pool', 'absolute.deb'));
  symlinkSync('/etc', join(tree, 'pool', 'etc-absolute'));
  symlinkSync('../../../../../../../../../etc', join(tree, 'pool', 'etc-relative'));
  writeFileSync(join(tree, '.dploy-media.json'), JSON.stringify({ key: KEY, source: 'mirror-threads test' }));
  mkdirSync(join(cwd, 'var', 'tftp'), { recursive: true });
  writeFileSync(join(cwd, 'var', 'tftp', 'kernel'), POOL[0]!.bytes);
  serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
});
after(async () => {
  await serve?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

test('the server says plain /mirror requests are answered on native threads', () => {
  assert.match(serve.output(), /plain \/mirror GET and HEAD requests are answered on \d native threads/);
});

test('a keep-alive connection gets its packages from the threads, with the validators Node gives', async () => {
  const counted = await answeredOnThreads();
  const c = await Connection.open();
  for (const file of POOL.slice(0, 10)) {
    c.send(get(poolPath(file.name)));
    const a = await c.answer();
    assert.equal(a.status, 200);
    assert.ok(a.body.equals(file.bytes), file.name);
    assert.equal(a.headers['content-type'], 'application/vnd.debian.binary-package');
    assert.equal(a.headers['accept-ranges'], 'bytes');
    assert.equal(a.headers['last-modified'], statSync(join(tree, 'pool', file.name)).mtime.toUTCString());
  }
  c.send(`HEAD ${poolPath(POOL[1]!.name)} HTTP/1.1\r\nHost: dploy\r\n\r\n`);
  const head = await c.answer(true);
  assert.equal(head.headers['content-length'], String(POOL[1]!.bytes.length));
  assert.equal(await answeredOnThreads(), counted + 11, 'ten GETs and a HEAD, none through fastify');
  // If-None-Match goes to Node (static-file.ts): its 304 proves both ways build the same tag.
  c.send(get(poolPath(POOL[1]!.name), `If-None-Match: ${head.headers.etag}\r\n`));
  assert.equal((await c.answer()).status, 304);
  c.socket.destroy();
});

test('one connection mixing mirror files, other routes and pipelined requests gets every answer in order', async () => {
  const c = await Connection.open();
  const [a, b, d] = [POOL[2]!, POOL[3]!, POOL[4]!];
  // Pipelined in one write: two for the threads, then /boot/files (Node), then a mirror file Node now answers too.
  c.send(get(poolPath(a.name)), get(poolPath(b.name)), get('/boot/files/kernel'), get(poolPath(d.name)));
  assert.ok((await c.answer()).body.equals(a.bytes));
  assert.ok((await c.answer()).body.equals(b.bytes));
  assert.ok((await c.answer()).body.equals(POOL[0]!.bytes));
  assert.ok((await c.answer()).body.equals(d.bytes));
  c.send(get('/healthz'));
  assert.equal((await c.answer()).status, 200);
  c.socket.destroy();
});

test('names the threads do not judge go to Node, which refuses them or follows their symlinks as before', async () => {
  const c = await Connection.open();
  for (const [path, status] of [
    [`/mirror/${KEY}/.dploy-media.json`, 404],
    [`/mirror/debian-13-x86_64/pool/${POOL[0]!.name}`, 404],
    [`/mirror/${KEY}/pool/`, 404],
    [`/mirror/${KEY}/pool/../pool/${POOL[0]!.name}`, 400],
    [`/mirror/${KEY}/pool/%2e%2e/big.iso`, 400],
  ] as const) {
    const fresh = await Connection.open();
    fresh.send(get(path));
    assert.equal((await fresh.answer()).status, status, path);
    fresh.socket.destroy();
  }
  // Symlinks: followed while they stay in the tree (the threads walk a directory one, Node the rest), refused when they leave.
  c.send(get(`/mirror/${KEY}/dists/stable/Release`));
  const release = await c.answer();
  assert.equal(release.body.toString(), 'Suite: stable\n');
  assert.equal(release.headers['content-type'], 'text/plain; charset=utf-8');
  c.send(get(poolPath('alias_1.0_all.deb')));
  assert.ok((await c.answer()).body.equals(POOL[0]!.bytes));
  for (const name of ['leaving.deb', 'absolute.deb', 'etc-absolute/hostname', 'etc-relative/hostname']) {
    // Each on a new connection: the alias above handed `c` to Node for good.
    const fresh = await Connection.open();
    fresh.send(get(poolPath(name)));
    assert.equal((await fresh.answer()).status, 404, name);
    fresh.socket.destroy();
  }
  c.socket.destroy();
});

test('a file changed on disk between two requests comes back new, with a new ETag', async () => {
  const c = await Connection.open();
  const path = join(tree, 'pool', 'changing_1.0_all.deb');
  writeFileSync(path, randomBytes(70_000));
  c.send(get(poolPath('changing_1.0_all.deb')));
  const first = await c.answer();
  // Rewritten in place: the same inode, another size and time.
  const bytes = randomBytes(80_000);
  writeFileSync(path, bytes);
  c.send(get(poolPath('changing_1.0_all.deb')));
  const rewritten = await c.answer();
  assert.ok(rewritten.body.equals(bytes));
  assert.notEqual(rewritten.headers.etag, first.headers.etag);
  // Replaced by a rename with the same size and time (whole seconds, which utimes sets exactly): only the inode differs.
  const second = new Date(Math.floor(Date.now() / 1000) * 1000);
  utimesSync(path, second, second);
  c.send(get(poolPath('changing_1.0_all.deb')));
  const touched = await c.answer();
  const replacement = randomBytes(80_000);
  writeFileSync(`${path}.new`, replacement);
  utimesSync(`${path}.new`, second, second);
  renameSync(`${path}.new`, path);
  c.send(get(poolPath('changing_1.0_all.deb')));
  const replaced = await c.answer();
  assert.ok(replaced.body.equals(replacement));
  assert.equal(replaced.headers['last-modified'], touched.headers['last-modified']);
  assert.notEqual(replaced.headers.etag, touched.headers.etag);
  c.socket.destroy();
});

test('clients that hang up mid-file are logged, leave no descriptor open, and the next download is whole', async () => {
  // What the hang-ups could leave behind: connections and descriptors on the file. The server's
  // count of all descriptors moves for its own reasons meanwhile (the WAL checkpoint thread opens
  // its own SQLite connection when it first runs).
  const held = () => {
    const dir = `/proc/${serve.child.pid}/fd`;
    const targets = readdirSync(dir).map((fd) => {
      try {
        return readlinkSync(join(dir, fd));
      } catch {
        return ''; // closed between the listing and the read
      }
    });
    return { sockets: targets.filter((t) => t.startsWith('socket:')).length, iso: targets.filter((t) => t.endsWith('/big.iso')).length };
  };
  const before = held();
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      const c = await Connection.open();
      c.send(get(`/mirror/${KEY}/big.iso`));
      while (!c.socket.destroyed && c.socket.bytesRead < 200_000) await new Promise((r) => setTimeout(r, 5));
      c.socket.destroy();
      await c.closed;
    }),
  );
  const c = await Connection.open();
  c.send(get(`/mirror/${KEY}/big.iso`));
  assert.ok((await c.answer()).body.equals(BIG));
  c.socket.destroy();
  const leftOver = (h: ReturnType<typeof held>) => h.sockets > before.sockets || h.iso > 0;
  let after = held();
  for (let i = 0; i < 50 && leftOver(after); i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = held();
  }
  assert.equal(after.iso, 0, 'no descriptor on big.iso is left open');
  assert.ok(after.sockets <= before.sockets, `the server holds ${after.sockets} sockets, ${before.sockets} before the hang-ups`);
  assert.match(serve.output(), /"file":"\/mirror\/debian-12-x86_64\/big.iso".*static file answer cut short/);
});

test('64 keep-alive connections fetching the pool at once all get whole files', async () => {
  const counted = await answeredOnThreads();
  const connections = await Promise.all(Array.from({ length: 64 }, () => Connection.open()));
  await Promise.all(
    connections.map(async (c, n) => {
      for (let i = 0; i < 10; i++) {
        const file = POOL[(n * 7 + i) % POOL.length]!;
        c.send(get(poolPath(file.name)));
        const a = await c.answer();
        assert.equal(a.status, 200);
        assert.ok(a.body.equals(file.bytes), file.name);
      }
      c.socket.destroy();
    }),
  );
  assert.equal(await answeredOnThreads(), counted + 640);
});

test('HTTP/1.0 without keep-alive is answered and closed', async () => {
  const c = await Connection.open();
  c.send(`GET ${poolPath(POOL[5]!.name)} HTTP/1.0\r\n\r\n`);
  const a = await c.answer();
  assert.ok(a.body.equals(POOL[5]!.bytes));
  assert.equal(a.headers.connection, 'close');
  await c.closed;
});

test('closing the app closes the keep-alive connections the threads hold and ends the threads', async () => {
  // In this process, where a close that waited for them would show (dploy serve's exit would close them anyway).
  const app = Fastify();
  const threads = answerMirrorOnNativeThreads(app, join(cwd, 'var', 'mirror'), app.log, new Registry());
  assert.ok('threads' in threads, JSON.stringify(threads));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const c = await Connection.open((app.server.address() as AddressInfo).port);
  c.send(get(poolPath(POOL[6]!.name)));
  assert.ok((await c.answer()).body.equals(POOL[6]!.bytes));
  const threadsNow = () => readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'dploy-static').length;
  const running = threadsNow();
  const closed = Promise.race([app.close().then(() => 'closed'), new Promise((r) => setTimeout(r, 5000, 'still open after 5 s'))]);
  assert.equal(await closed, 'closed');
  await c.closed;
  // Its threads end with it.
  for (let i = 0; i < 50 && threadsNow() > running - threads.threads; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(threadsNow(), running - threads.threads);
});

test("the threads close an idle keep-alive connection after the server's keep-alive time, as Node closes its own", async () => {
  const app = Fastify({ keepAliveTimeout: 1500 });
  assert.ok('threads' in answerMirrorOnNativeThreads(app, join(cwd, 'var', 'mirror'), app.log, new Registry()));
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const port = (app.server.address() as AddressInfo).port;
    const served = await Connection.open(port);
    served.send(get(poolPath(POOL[7]!.name)));
    assert.equal((await served.answer()).status, 200);
    const silent = await Connection.open(port);
    const started = Date.now();
    // The threads look for idle connections once a second.
    const waited = await Promise.race([
      Promise.all([served.closed, silent.closed]).then(() => Date.now() - started),
      new Promise<number>((r) => setTimeout(r, 6000, -1)),
    ]);
    assert.ok(waited >= 1400 && waited < 4000, `closed after ${waited} ms`);
  } finally {
    await app.close();
  }
});
