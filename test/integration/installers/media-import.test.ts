// dploy media import on a real ISO laid out like Rocky Linux 9's DVD
// (.treeinfo, images/pxeboot/), built with xorriso around the real installer
// kernel and initrd of Debian's debian-installer-12-netboot-amd64 package:
// the tree lands in the mirror, the boot files in the TFTP root, `dploy
// serve` hands the tree out with Range, and answer files point at it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { answerData, catalogEntry, mirrorView, renderAnswerData } from '../../../plugin/installers/index.js';
import { runDploy } from '../../support/cli.js';
import { startServe } from '../../support/serve.js';
import { BASE_URL, BOOT_NIC, goldenProfile, HOST, INVENTORY, JOB } from './answer-machine.js';
import { buildDebianIso, NETBOOT } from './netinst-iso.js';

// NETBOOT: Debian's netboot installer files (see netinst-iso.ts).
const TREEINFO = new URL('../../fixtures/media/rocky-9.4-x86_64.treeinfo', import.meta.url).pathname;
const KEY = 'rocky-9-x86_64';

for (const [tool, pkg] of [
  ['xorriso', 'xorriso'],
  ['bsdtar', 'libarchive-tools'],
]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: apt-get install -y ${pkg}`);
}
if (!existsSync(`${NETBOOT}/linux`)) throw new Error('apt-get install -y debian-installer-12-netboot-amd64');

function buildIso(dir: string, treeinfoSuffix = ''): string {
  const tree = join(dir, 'dvd');
  mkdirSync(join(tree, 'images', 'pxeboot'), { recursive: true });
  mkdirSync(join(tree, 'BaseOS', 'repodata'), { recursive: true });
  copyFileSync(`${NETBOOT}/linux`, join(tree, 'images', 'pxeboot', 'vmlinuz'));
  copyFileSync(`${NETBOOT}/initrd.gz`, join(tree, 'images', 'pxeboot', 'initrd.img'));
  writeFileSync(join(tree, '.treeinfo'), readFileSync(TREEINFO, 'utf8') + treeinfoSuffix);
  writeFileSync(
    join(tree, 'BaseOS', 'repodata', 'repomd.xml'),
    '<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo"/>\n',
  );
  const iso = join(dir, 'Rocky-9.4-x86_64-dvd.iso');
  const made = spawnSync('xorriso', ['-as', 'mkisofs', '-r', '-J', '-V', 'Rocky-9-4-x86_64-dvd', '-o', iso, tree], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return iso;
}

async function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  // The path goes out as written: a URL object (fetch too) would resolve "/../" before sending.
  const { hostname, port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', reject);
    req.end();
  });
}

const work = mkdtempSync(join(tmpdir(), 'dploy-media-'));
const iso = buildIso(work);
const kernel = readFileSync(`${NETBOOT}/linux`);

test('a truncated ISO is refused and leaves nothing in the mirror or the TFTP root', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-media-bad-'));
  const bad = join(cwd, 'bad.iso');
  writeFileSync(bad, readFileSync(iso).subarray(0, 64 * 1024));
  const run = await runDploy(['media', 'import', bad, '--distro', 'rocky', '--release', '9', '--arch', 'x86_64'], { cwd });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /dploy: /);
  assert.deepEqual(readdirSync(join(cwd, 'var', 'mirror')), []);
  assert.equal(existsSync(join(cwd, 'var', 'tftp')), false);
});

test('media that is not what the flags say, or says nothing, is refused with the reason', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-media-odd-'));
  const wrong = await runDploy(['media', 'import', iso, '--distro', 'debian', '--release', '12', '--arch', 'x86_64'], { cwd });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /not debian-12-x86_64 as the catalog knows it: no installer kernel/);
  const bare = join(cwd, 'bare');
  mkdirSync(join(bare, 'images'), { recursive: true });
  const unknown = await runDploy(['media', 'import', bare], { cwd });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /cannot tell which release .* give --distro, --release and --arch/);
  const tree = await runDploy(['import-tree', join(work, 'dvd')], { cwd: mkdtempSync(join(tmpdir(), 'dploy-media-tree-')) });
  assert.equal(tree.code, 0, tree.stderr);
  assert.match(tree.stdout, /imported rocky-9-x86_64/, 'a directory tree (a mounted DVD) imports the same way');
  assert.deepEqual(readdirSync(join(cwd, 'var', 'mirror')), []);
  assert.equal(existsSync(join(cwd, 'var', 'tftp')), false);
});

test('an ISO is imported by its .treeinfo, served over HTTP with Range, and answer files install from it', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-media-'));
  const first = await runDploy(['media', 'import', iso], { cwd });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /imported rocky-9-x86_64/);
  assert.ok(readFileSync(join(cwd, 'var', 'tftp', 'linuxcoe', KEY, 'vmlinuz')).equals(kernel), 'the kernel in the TFTP root is byte-identical');
  assert.ok(readFileSync(join(cwd, 'var', 'tftp', 'linuxcoe', KEY, 'initrd.img')).equals(readFileSync(`${NETBOOT}/initrd.gz`)));
  assert.deepEqual(readdirSync(join(cwd, 'var', 'mirror')), [KEY], 'no temp dir left behind');

  const list = await runDploy(['media', 'list'], { cwd });
  assert.match(list.stdout, /^rocky-9-x86_64\s+\d+\.\d MiB\s+\d{4}-\d\d-\d\dT/m);
  // The same media again, by the command name: a no-op.
  const again = await runDploy(['import-iso', iso], { cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /rocky-9-x86_64 is already imported from this media .*: nothing to do/);
  // Other media for the same release (a respin: another .treeinfo) needs --replace.
  const respin = buildIso(mkdtempSync(join(tmpdir(), 'dploy-media-respin-')), '\n# respin\n');
  const other = await runDploy(['import-iso', respin], { cwd });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /rocky-9-x86_64 is already imported from other media \(.*Rocky-9\.4-x86_64-dvd\.iso, .*\): use --replace/);
  const replaced = await runDploy(['import-iso', respin, '--replace'], { cwd });
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stdout, /imported rocky-9-x86_64/);
  // import-tree takes a directory, import-iso a file: the wrong one is refused with the right command named.
  const swapped = await runDploy(['import-tree', iso], { cwd });
  assert.equal(swapped.code, 1);
  assert.match(swapped.stderr, /is not a directory: use dploy import-iso/);

  // A symlink planted in the tree must not lead out of the mirror.
  symlinkSync('/etc/passwd', join(cwd, 'var', 'mirror', KEY, 'escape'));
  const serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false' } });
  try {
    const url = `${serve.url}/mirror/${KEY}/images/pxeboot/vmlinuz`;
    const whole = await get(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-length'], String(kernel.length));
    assert.ok(whole.body.equals(kernel));
    const head = await get(url, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(kernel.length));
    assert.equal(head.body.length, 0);
    const part = await get(url, { range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${kernel.length}`);
    assert.ok(part.body.equals(kernel.subarray(1000, 2000)));
    const tail = await get(url, { range: 'bytes=-512' });
    assert.ok(tail.body.equals(kernel.subarray(kernel.length - 512)));
    assert.equal((await get(url, { range: `bytes=${kernel.length}-` })).status, 416);
    assert.match((await get(`${serve.url}/mirror/${KEY}/.treeinfo`)).body.toString(), /name = Rocky Linux/);
    for (const path of [`${KEY}/../../../../etc/passwd`, `${KEY}/images/../../rocky-9-aarch64/../${KEY}/.treeinfo`, `${KEY}/escape`]) {
      const refused = await get(`${serve.url}/mirror/${path}`);
      assert.ok(refused.status === 400 || refused.status === 404, `${path}: ${refused.status}`);
      assert.doesNotMatch(refused.body.toString(), /root:|Rocky/);
    }
    assert.equal((await get(`${serve.url}/mirror/rocky-9-aarch64/images/pxeboot/vmlinuz`)).status, 404);
  } finally {
    await serve.stop();
  }

  const mirror = mirrorView(join(cwd, 'var', 'mirror'), () => BASE_URL);
  const kickstart = (arch: 'x86_64' | 'aarch64') => {
    const entry = catalogEntry('rocky', '9', arch);
    return renderAnswerData(
      answerData({ host: HOST, job: JOB, profile: goldenProfile(entry), inventory: { ...INVENTORY, arch }, httpBaseUrl: BASE_URL, bootNic: BOOT_NIC, mirror }),
      'answer',
    );
  };
  assert.match(kickstart('x86_64'), new RegExp(`url --url="?${BASE_URL}/mirror/${KEY}/`));
  assert.doesNotMatch(kickstart('aarch64'), /\/mirror\//, 'media not imported: the public tree');

  const removed = await runDploy(['media', 'remove', KEY], { cwd });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match((await runDploy(['media', 'list'], { cwd })).stdout, /no media imported/);
});

test('Debian netinst ISOs are known by .disk/info; each release boots from its own directory, so importing 11 leaves 12 alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-media-debian-'));
  const initrd12 = readFileSync(`${NETBOOT}/initrd.gz`);
  // Stand-in for Debian 11's initrd: only its bytes must differ, to show whose file lands where.
  const initrd11 = Buffer.concat([initrd12, Buffer.from('debian 11 stand-in')]);
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-media-'));
  const tftp = join(cwd, 'var', 'tftp');
  const twelve = await runDploy(['import-iso', buildDebianIso(dir, '12.8.0', 'Bookworm', initrd12)], { cwd });
  assert.equal(twelve.code, 0, twelve.stderr);
  assert.match(twelve.stdout, /imported debian-12-x86_64 .*boot files linuxcoe\/debian-12-x86_64\/linux and linuxcoe\/debian-12-x86_64\/initrd\.gz/);
  const eleven = await runDploy(['import-iso', buildDebianIso(dir, '11.11.0', 'Bullseye', initrd11)], { cwd });
  assert.equal(eleven.code, 0, eleven.stderr);
  assert.match(eleven.stdout, /imported debian-11-x86_64/);
  assert.ok(readFileSync(join(tftp, 'linuxcoe', 'debian-12-x86_64', 'linux')).equals(kernel));
  assert.ok(readFileSync(join(tftp, 'linuxcoe', 'debian-12-x86_64', 'initrd.gz')).equals(initrd12), 'Debian 12 keeps its own initrd');
  assert.ok(readFileSync(join(tftp, 'linuxcoe', 'debian-11-x86_64', 'initrd.gz')).equals(initrd11));
  assert.equal(existsSync(join(tftp, 'debian-installer')), false, 'the shared netboot-layout path is not written by an import');
  assert.ok(existsSync(join(cwd, 'var', 'mirror', 'debian-12-x86_64', 'dists', 'bookworm', 'Release')), 'the tree is in the mirror');
  assert.match((await runDploy(['media', 'list'], { cwd })).stdout, /^debian-11-x86_64\s.*\ndebian-12-x86_64\s/m);
  const removed = await runDploy(['media', 'remove', 'debian-11-x86_64'], { cwd });
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(existsSync(join(tftp, 'linuxcoe', 'debian-11-x86_64')), false, 'its boot files go with it');
  assert.ok(readFileSync(join(tftp, 'linuxcoe', 'debian-12-x86_64', 'linux')).equals(kernel), 'the other release is untouched');
});
