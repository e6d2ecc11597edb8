// /boot/files and /mirror answered as installers and caches expect of a static
// server (docs/http.md), asked by the real clients: curl resumes (-C -),
// revalidates (-z, --etag-compare), reuses its connection; apt's http method
// fetches a signed repository built here with dpkg-deb, apt-ftparchive and
// gpg, revalidates its indexes on the second update and downloads a package.
// Over HTTPS the body cannot go by sendfile: the streamed way is checked too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { freePort, startServe, type ServeProcess } from '../../support/serve.js';
import { makeSelfSignedCert } from '../../support/self-signed-cert.js';

const KEY = 'debian-12-x86_64';
const INITRD = randomBytes(3 * 1024 * 1024 + 17);

for (const [tool, pkg] of [
  ['curl', 'curl'],
  ['apt-ftparchive', 'apt-utils'],
  ['gpg', 'gnupg'],
  ['dpkg-deb', 'dpkg'],
  ['openssl', 'openssl'],
]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: apt-get install -y ${pkg}`);
}

let serve: ServeProcess;
let cwd: string;
let deb: Buffer;

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, env: options.env ?? process.env, timeout: 30_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** curl as a user runs it; -w prints the status, -D - the head; the body goes to `out` (curl -o). */
function curl(...args: string[]): { status: number; head: string; stderr: string } {
  const out = args.includes('-o') ? [] : ['-o', '/dev/null'];
  const { stdout, stderr } = run('curl', ['-sS', '--noproxy', '*', '-D', '-', ...out, '-w', '%{http_code}\n', ...args]);
  const lines = stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), head: lines.join('\n'), stderr };
}

const header = (head: string, name: string) => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(head)?.[1];

/** A Debian repository with one package, InRelease signed by a key made here: what apt needs to trust it. */
function buildSignedRepository(tree: string, work: string): string {
  const pkg = join(work, 'pkg');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  mkdirSync(join(pkg, 'usr', 'share', 'dploy-hello'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN', 'control'),
    'Package: dploy-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: dploy tests <tests@dploy.invalid>\nDescription: served from /mirror by the static-files test\n',
  );
  writeFileSync(join(pkg, 'usr', 'share', 'dploy-hello', 'payload'), randomBytes(400_000));
  const pool = join(tree, 'pool', 'main', 'd', 'dploy-hello');
  mkdirSync(pool, { recursive: true });
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', pkg, join(pool, 'dploy-hello_1.0_all.deb')]);
  const binary = join(tree, 'dists', 'stable', 'main', 'binary-amd64');
  mkdirSync(binary, { recursive: true });
  writeFileSync(join(binary, 'Packages'), run('apt-ftparchive', ['packages', 'pool'], { cwd: tree }).stdout);
  run('gzip', ['-k', join(binary, 'Packages')]);
  const release = run('apt-ftparchive', [
    ...['-o', 'APT::FTPArchive::Release::Suite=stable', '-o', 'APT::FTPArchive::Release::Codename=stable'],
    ...['-o', 'APT::FTPArchive::Release::Components=main', '-o', 'APT::FTPArchive::Release::Architectures=amd64'],
    ...['release', join(tree, 'dists', 'stable')],
  ]).stdout;
  writeFileSync(join(tree, 'dists', 'stable', 'Release'), release);
  const gnupg = mkdtempSync(join(work, 'gnupg-'));
  const env = { ...process.env, GNUPGHOME: gnupg };
  run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'dploy tests <tests@dploy.invalid>', 'ed25519', 'sign', 'never'], { env });
  run('gpg', ['--batch', '--yes', '--clearsign', '-o', join(tree, 'dists', 'stable', 'InRelease'), join(tree, 'dists', 'stable', 'Release')], { env });
  const keyring = join(work, 'archive-key.gpg');
  run('gpg', ['--batch', '--yes', '-o', keyring, '--export'], { env });
  run('gpgconf', ['--kill', 'all'], { env });
  return keyring;
}

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'dploy-static-'));
  const tftp = join(cwd, 'var', 'tftp');
  mkdirSync(join(tftp, 'linuxcoe', KEY), { recursive: true });
  writeFileSync(join(tftp, 'linuxcoe', KEY, 'initrd.gz'), INITRD);
  const tree = join(cwd, 'var', 'mirror', `.importing-${KEY}`);
  mkdirSync(tree, { recursive: true });
  const keyring = buildSignedRepository(tree, mkdtempSync(join(cwd, 'work-')));
  // As `dploy media import` finishes: the stamp written last, the tree renamed into place.
  writeFileSync(join(tree, '.dploy-media.json'), JSON.stringify({ key: KEY, source: 'static-files test', importedAt: new Date().toISOString() }));
  renameSync(tree, join(cwd, 'var', 'mirror', KEY));
  deb = readFileSync(join(cwd, 'var', 'mirror', KEY, 'pool', 'main', 'd', 'dploy-hello', 'dploy-hello_1.0_all.deb'));
  writeFileSync(join(cwd, 'keyring-path'), keyring);
  serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
});
after(async () => {
  await serve?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

const initrdUrl = () => `${serve.url}/boot/files/linuxcoe/${KEY}/initrd.gz`;

test('the server says it sends static files by sendfile', () => {
  assert.match(serve.output(), /static files \(\/boot\/files, \/mirror\) are sent by sendfile/);
});

test('HEAD gives the size, type, validators and Accept-Ranges without a body', () => {
  const { status, head } = curl('-I', initrdUrl());
  assert.equal(status, 200);
  assert.equal(header(head, 'content-length'), String(INITRD.length));
  assert.equal(header(head, 'content-type'), 'application/gzip');
  assert.equal(header(head, 'accept-ranges'), 'bytes');
  assert.match(header(head, 'etag') ?? '', /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/, 'a strong ETag');
  assert.equal(header(head, 'last-modified'), statSync(join(cwd, 'var', 'tftp', 'linuxcoe', KEY, 'initrd.gz')).mtime.toUTCString());
});

test('curl -C - resumes a cut download into the same bytes', () => {
  const out = join(cwd, 'resumed');
  writeFileSync(out, INITRD.subarray(0, 1_000_000));
  const { status, head } = curl('-C', '-', '-o', out, initrdUrl());
  assert.equal(status, 206);
  assert.equal(header(head, 'content-range'), `bytes 1000000-${INITRD.length - 1}/${INITRD.length}`);
  assert.ok(readFileSync(out).equals(INITRD));
});

test('curl -z and --etag-compare revalidate: 304 while unchanged, the whole file when older', () => {
  const local = join(cwd, 'local-copy');
  writeFileSync(local, INITRD);
  const served = statSync(join(cwd, 'var', 'tftp', 'linuxcoe', KEY, 'initrd.gz')).mtime;
  utimesSync(local, served, served);
  assert.equal(curl('-z', local, initrdUrl()).status, 304);
  utimesSync(local, new Date(served.getTime() - 3_600_000), new Date(served.getTime() - 3_600_000));
  assert.equal(curl('-z', local, initrdUrl()).status, 200);
  const etag = join(cwd, 'etag');
  assert.equal(curl('--etag-save', etag, initrdUrl()).status, 200);
  assert.equal(curl('--etag-compare', etag, initrdUrl()).status, 304);
  writeFileSync(etag, '"not-this-one"\n');
  assert.equal(curl('--etag-compare', etag, initrdUrl()).status, 200);
});

test('If-Range with a stale tag gets the whole new file; several ranges get it whole; a range past the end gets 416', () => {
  const etag = header(curl('-I', initrdUrl()).head, 'etag')!;
  assert.equal(curl('-r', '100-199', '-H', `If-Range: ${etag}`, initrdUrl()).status, 206);
  const stale = curl('-r', '100-199', '-H', 'If-Range: "stale"', initrdUrl());
  assert.equal(stale.status, 200);
  assert.equal(header(stale.head, 'content-length'), String(INITRD.length));
  assert.equal(curl('-r', '0-9,20-29', initrdUrl()).status, 200);
  const past = curl('-r', `${INITRD.length}-`, initrdUrl());
  assert.equal(past.status, 416);
  assert.equal(header(past.head, 'content-range'), `bytes */${INITRD.length}`);
});

test('one connection carries several whole files, a HEAD and a range in turn (keep-alive)', () => {
  const outs = ['a', 'head', 'b', 'range'].map((n) => join(cwd, `keepalive-${n}`));
  const common = ['-sS', '-v', '--noproxy', '*'];
  const result = spawnSync(
    'curl',
    [...common, '-o', outs[0]!, initrdUrl(), '--next', ...common, '-I', '-o', outs[1]!, initrdUrl(), '--next', ...common, '-o', outs[2]!, initrdUrl()].concat([
      '--next',
      ...common,
      '-r',
      '5-9',
      '-o',
      outs[3]!,
      initrdUrl(),
    ]),
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.match(/Re-using existing connection/g)?.length, 3, result.stderr);
  assert.ok(readFileSync(outs[0]!).equals(INITRD));
  assert.match(readFileSync(outs[1]!, 'utf8'), new RegExp(`content-length: ${INITRD.length}`, 'i'));
  assert.ok(readFileSync(outs[2]!).equals(INITRD));
  assert.ok(readFileSync(outs[3]!).equals(INITRD.subarray(5, 10)));
});

test('pipelined requests get their answers whole and in order, the second waiting for the first', async () => {
  // Both requests in one write, as an HTTP/1.1 pipelining client sends them: the second answer is queued behind the first.
  const { port } = new URL(serve.url);
  const path = `/boot/files/linuxcoe/${KEY}/initrd.gz`;
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET ${path} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99\r\nConnection: close\r\n\r\n`),
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  const firstEnd = raw.indexOf('\r\n\r\n') + 4;
  assert.match(raw.subarray(0, firstEnd).toString(), new RegExp(`^HTTP/1.1 200 OK[^]*content-length: ${INITRD.length}`, 'i'));
  assert.ok(raw.subarray(firstEnd, firstEnd + INITRD.length).equals(INITRD), 'the first body whole');
  const second = raw.subarray(firstEnd + INITRD.length);
  const secondEnd = second.indexOf('\r\n\r\n') + 4;
  assert.match(second.subarray(0, secondEnd).toString(), /^HTTP\/1.1 206 Partial Content/);
  assert.ok(second.subarray(secondEnd).equals(INITRD.subarray(0, 100)), 'then the second');
});

test('clients that hang up mid-file leave no descriptor open, and the next download is whole', async () => {
  const fds = () => readdirSync(`/proc/${serve.child.pid}/fd`).length;
  const before = fds();
  const { port } = new URL(serve.url);
  // Five machines that power off after the first 100 KB of their initrd (the rest was on a sender thread).
  await Promise.all(
    Array.from(
      { length: 5 },
      () =>
        new Promise<void>((resolve, reject) => {
          let got = 0;
          const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET /boot/files/linuxcoe/${KEY}/initrd.gz HTTP/1.1\r\nHost: x\r\n\r\n`));
          socket.on('data', (chunk: Buffer) => {
            got += chunk.length;
            if (got > 100_000) socket.destroy();
          });
          socket.on('close', () => resolve());
          socket.on('error', reject);
        }),
    ),
  );
  const out = join(cwd, 'after-hangups');
  assert.equal(curl('-o', out, initrdUrl()).status, 200);
  assert.ok(readFileSync(out).equals(INITRD));
  for (let i = 0; i < 50 && fds() > before; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(fds(), before, 'the server holds as many descriptors as before the hang-ups');
});

test('over HTTPS, where the bytes must pass through OpenSSL, the same answers come streamed', async () => {
  const { certPath: cert, remove } = makeSelfSignedCert('dploy-static-tls-');
  const keyPath = join(dirname(cert), 'key.pem');
  const tlsPort = await freePort();
  const tls = await startServe({
    cwd,
    env: { DPLOY_RUNNER_ENABLED: 'false', DPLOY_HTTP_TLS_CERT_FILE: cert, DPLOY_HTTP_TLS_KEY_FILE: keyPath, DPLOY_HTTP_TLS_PORT: String(tlsPort) },
  });
  try {
    const url = `https://127.0.0.1:${tlsPort}/boot/files/linuxcoe/${KEY}/initrd.gz`;
    const out = join(cwd, 'initrd-over-tls');
    assert.equal(curl('--cacert', cert, '-o', out, url).status, 200);
    assert.ok(readFileSync(out).equals(INITRD));
    writeFileSync(out, INITRD.subarray(0, 123_456));
    assert.equal(curl('--cacert', cert, '-C', '-', '-o', out, url).status, 206);
    assert.ok(readFileSync(out).equals(INITRD));
  } finally {
    await tls.stop();
    remove();
  }
});

test('directories are not listed, and types follow the file names', () => {
  for (const path of [`/mirror/${KEY}/`, `/mirror/${KEY}/dists/stable`, `/boot/files/linuxcoe/`, `/boot/files/linuxcoe/${KEY}`]) {
    assert.equal(curl(`${serve.url}${path}`).status, 404, path);
  }
  const base = `${serve.url}/mirror/${KEY}`;
  assert.equal(header(curl('-I', `${base}/dists/stable/InRelease`).head, 'content-type'), 'text/plain; charset=utf-8');
  assert.equal(header(curl('-I', `${base}/pool/main/d/dploy-hello/dploy-hello_1.0_all.deb`).head, 'content-type'), 'application/vnd.debian.binary-package');
});

test('apt-get fetches the signed repository from /mirror, revalidates it with 304 (Hit) and downloads the package', () => {
  const apt = join(cwd, 'apt');
  for (const dir of ['state/lists/partial', 'cache/archives/partial', 'etc', 'download']) mkdirSync(join(apt, dir), { recursive: true });
  writeFileSync(join(apt, 'status'), '');
  const keyring = readFileSync(join(cwd, 'keyring-path'), 'utf8');
  writeFileSync(join(apt, 'etc', 'sources.list'), `deb [arch=amd64 signed-by=${keyring}] ${serve.url}/mirror/${KEY} stable main\n`);
  const options = [
    ...['-o', `Dir::Etc::SourceList=${join(apt, 'etc', 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/nonexistent'],
    ...['-o', `Dir::State=${join(apt, 'state')}`, '-o', `Dir::State::status=${join(apt, 'status')}`, '-o', `Dir::Cache=${join(apt, 'cache')}`],
    // Root runs the http method itself: the temp directories are not the _apt user's.
    ...['-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', '-o', 'Acquire::Languages=none', '-o', 'APT::Architecture=amd64'],
    ...['-o', 'Acquire::http::Proxy::127.0.0.1=DIRECT', '-o', 'Acquire::Retries=0'],
  ];
  const env = { ...process.env, LC_ALL: 'C' };
  const first = run('apt-get', [...options, 'update'], { env });
  assert.match(first.stdout, new RegExp(`Get:\\d+ ${serve.url}/mirror/${KEY} stable InRelease`));
  assert.doesNotMatch(first.stdout + first.stderr, /NO_PUBKEY|not signed|Err:/);
  const second = run('apt-get', [...options, 'update'], { env });
  assert.match(second.stdout, new RegExp(`Hit:\\d+ ${serve.url}/mirror/${KEY} stable InRelease`), 'apt revalidated, nothing fetched again');
  run('apt-get', [...options, 'download', 'dploy-hello'], { env, cwd: join(apt, 'download') });
  assert.ok(readFileSync(join(apt, 'download', 'dploy-hello_1.0_all.deb')).equals(deb), 'the package apt verified is the one served');
});
