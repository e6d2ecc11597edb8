import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { FileCache, createLiveContentRoute, createStaticRootRoute } from '../../../plugin/tftp/index.js';
import type { TftpRequest, TftpSource } from '../../../plugin/tftp/index.js';

let dir: string;
let root: string;
const big = randomBytes(300_000);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dploy-tftp-root-'));
  root = join(dir, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'big.img'), big);
  writeFileSync(join(root, 'sub', 'small.cfg'), 'v1\n');
  writeFileSync(join(dir, 'outside'), 'secret\n');
  symlinkSync('../outside', join(root, 'up'));
  symlinkSync(join(root, 'sub'), join(root, 'sublink'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function request(path: string): TftpRequest {
  return { path, rawPath: path, clientAddress: '127.0.0.1', clientPort: 1, localAddress: '127.0.0.1', mode: 'octet', options: new Map() };
}

async function readAll(source: TftpSource, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < source.size; offset += chunk) parts.push(Buffer.from(await source.read(offset, chunk)));
  await source.close();
  return Buffer.concat(parts);
}

test('a file too big for the cache is read through its file handle, window by window, byte for byte', async () => {
  const route = createStaticRootRoute({ root, cache: new FileCache({ maxBytes: 1000, maxFileBytes: 1000 }) });
  const source = await route.open(request('big.img'));
  assert.ok(source);
  assert.equal(source.size, big.length);
  assert.deepEqual(await readAll(source, 16 * 1468), big);
});

test('a cached file is shared by transfers and reloaded when it changes on disk', async () => {
  const cache = new FileCache({ maxBytes: 10_000_000, maxFileBytes: 10_000_000 });
  const route = createStaticRootRoute({ root, cache });
  assert.equal((await readAll((await route.open(request('sub/small.cfg')))!, 512)).toString(), 'v1\n');
  assert.equal(cache.cachedBytes, 3);
  writeFileSync(join(root, 'sub', 'small.cfg'), 'version 2\n');
  assert.equal((await readAll((await route.open(request('sub/small.cfg')))!, 512)).toString(), 'version 2\n');
  assert.equal(cache.cachedBytes, 10, 'the stale entry was replaced, not kept beside the new one');
});

test('a symlink out of the root is refused and one inside it is followed; missing files pass to the next route', async () => {
  const route = createStaticRootRoute({ root });
  await assert.rejects(route.open(request('up')), (err) => isDployError(err, 'DPLOY_ERR_TFTP_ACCESS_DENIED'));
  await assert.rejects(route.open(request('sub')), (err) => isDployError(err, 'DPLOY_ERR_TFTP_ACCESS_DENIED'), 'a directory is not served');
  assert.ok(await route.open(request('sublink/small.cfg')));
  assert.equal(await route.open(request('nope/missing.cfg')), undefined);
});

test('a missing TFTP root is an error naming the setting to fix', async () => {
  const route = createStaticRootRoute({ root: join(dir, 'no-such-root') });
  await assert.rejects(route.open(request('x')), /tftp\.root/);
});

test('the live route answers only the paths its function claims, with the client it was asked by', async () => {
  const route = createLiveContentRoute('live', (path, client) => (path === 'a.cfg' ? `for ${client.address}:${client.port}` : undefined));
  assert.equal((await readAll((await route.open(request('a.cfg')))!, 512)).toString(), 'for 127.0.0.1:1');
  assert.equal(await route.open(request('b.cfg')), undefined);
});
