// `dploy serve` as the PXE server, asked the way real loaders ask: tftp-hpa
// walks pxelinux's and GRUB's lookup order file by file (the first file that
// exists wins, as in the loaders), atftp negotiates options, iPXE's HTTP
// request gets its script and kernels come over HTTP. Known machines get
// their state; unknown ones fall to the configured policy; the site's own
// static files stay reachable behind the live route.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grubSearchOrder, pxelinuxSearchOrder } from '../../../plugin/boot/index.js';
import { runDploy } from '../../support/cli.js';
import { freePort, startServe, type ServeProcess } from '../../support/serve.js';

let serve: ServeProcess;
let cwd: string;
let tftpPort: number;

function tftpGet(path: string): string | undefined {
  const out = join(cwd, 'fetched');
  rmSync(out, { force: true });
  const run = spawnSync('tftp', ['127.0.0.1', String(tftpPort), '-m', 'octet', '-c', 'get', path, out], { encoding: 'utf8', timeout: 20_000 });
  // tftp-hpa exits 0 even on an ERROR packet; the message and the missing file tell.
  if (/Error code|Transfer timed out/.test(run.stdout + run.stderr) || !existsSync(out)) return undefined;
  return readFileSync(out, 'utf8');
}

/** What a loader ends up with: the first name of its search order the server answers. */
function firstAnswer(names: string[]): { name: string; text: string } {
  for (const name of names) {
    const text = tftpGet(name);
    if (text !== undefined) return { name, text };
  }
  assert.fail(`no answer for any of ${names.join(', ')}`);
}

before(async () => {
  for (const tool of ['tftp', 'atftp']) assert.equal(spawnSync('which', [tool]).status, 0, `${tool} is missing: apt-get install -y tftp-hpa atftp`);
  cwd = mkdtempSync(join(tmpdir(), 'dploy-boot-'));
  const root = join(cwd, 'var', 'tftp');
  mkdirSync(join(root, 'pxelinux.cfg'), { recursive: true });
  mkdirSync(join(root, 'mindi'), { recursive: true });
  writeFileSync(join(root, 'pxelinux.cfg', 'default'), "# the site's own default\nDEFAULT local\n");
  writeFileSync(join(root, 'mindi', 'vmlinuz'), Buffer.alloc(300_000, 7));
  tftpPort = await freePort();
  serve = await startServe({
    cwd,
    env: { DPLOY_TFTP_ENABLED: 'true', DPLOY_TFTP_ADDRESS: '127.0.0.1', DPLOY_TFTP_PORT: String(tftpPort), DPLOY_RUNNER_ENABLED: 'false' },
  });
  await runDploy(['hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01'], { cwd });
  await runDploy(['task', 'set', 'web01', 'discover'], { cwd });
  await runDploy(['runner', '--once'], { cwd });
});
after(() => serve.stop());

test('pxelinux lookup order: a known MAC gets its own entry at 01-<mac>, before any subnet or default file', () => {
  const names = pxelinuxSearchOrder({ mac: '52:54:00:12:34:56', uuid: '9f0b2c34-1111-2222-3333-444455556666', ip: '192.0.2.77' });
  const got = firstAnswer(names);
  assert.equal(got.name, 'pxelinux.cfg/01-52-54-00-12-34-56');
  assert.match(got.text, /^# dploy discover on web01$/m);
  assert.match(got.text, /KERNEL mindi\/vmlinuz/);
  assert.match(got.text, /dploy\.url=http:\/\/\S+ dploy\.token=\S+/);
});

test('pxelinux lookup order: an unknown MAC is sent to discovery (boot.unknownHost = discover)', () => {
  const got = firstAnswer(pxelinuxSearchOrder({ mac: '52:54:00:99:99:99', ip: '192.0.2.78' }));
  assert.equal(got.name, 'pxelinux.cfg/01-52-54-00-99-99-99');
  assert.match(got.text, /Discover unknown-52-54-00-99-99-99/);
});

test('names dploy does not claim fall through to the static root: the site default stays reachable', () => {
  assert.equal(tftpGet('pxelinux.cfg/default'), "# the site's own default\nDEFAULT local\n");
  assert.equal(tftpGet('pxelinux.cfg/C000024D'), undefined);
  assert.equal(tftpGet('../../etc/passwd'), undefined);
});

test("GRUB asks with a leading slash and gets the same machine's entry", () => {
  const got = firstAnswer(grubSearchOrder({ mac: '52:54:00:12:34:56', ip: '192.0.2.77' }));
  assert.equal(got.name, '/grub/grub.cfg-01-52-54-00-12-34-56');
  assert.match(got.text, /linux \S*mindi\/vmlinuz/);
});

test('atftp with blksize and windowsize fetches the live config and a static kernel byte for byte', () => {
  const out = join(cwd, 'atftp-out');
  execFileSync(
    'atftp',
    ['--get', '-r', 'pxelinux.cfg/01-52-54-00-12-34-56', '-l', out, '--option', 'blksize 1468', '--option', 'tsize 0', '127.0.0.1', String(tftpPort)],
    { timeout: 20_000 },
  );
  assert.match(readFileSync(out, 'utf8'), /# dploy discover on web01/);
  execFileSync('atftp', ['--get', '-r', 'mindi/vmlinuz', '-l', out, '--option', 'blksize 1468', '--option', 'windowsize 16', '127.0.0.1', String(tftpPort)], {
    timeout: 20_000,
  });
  assert.deepEqual(readFileSync(out), Buffer.alloc(300_000, 7));
});

test('iPXE gets its script over HTTP and the kernel from /boot/files', async () => {
  const script = await (await fetch(`${serve.url}/boot/ipxe?mac=52:54:00:12:34:56&arch=x86_64`)).text();
  assert.match(script, /^#!ipxe\n/);
  const kernelUrl = /^kernel (\S+)/m.exec(script)![1]!;
  assert.match(kernelUrl, /\/boot\/files\/mindi\/vmlinuz$/);
  const kernel = Buffer.from(await (await fetch(`${serve.url}/boot/files/mindi/vmlinuz`)).arrayBuffer());
  assert.deepEqual(kernel, Buffer.alloc(300_000, 7));
  for (const evil of ['..%2f..%2fetc/passwd', '%2e%2e/%2e%2e/etc/passwd', 'mindi/..%2f..%2f..%2fetc%2fpasswd']) {
    const response = await fetch(`${serve.url}/boot/files/${evil}`);
    assert.ok(response.status === 400 || response.status === 404, `${evil}: ${response.status}`);
    assert.doesNotMatch(await response.text(), /root:/);
  }
});

test('dploy render shows what the machine gets, for BIOS and UEFI', async () => {
  const bios = await runDploy(['render', 'web01', 'boot'], { cwd });
  assert.equal(bios.code, 0, bios.stderr);
  assert.match(bios.stdout, /^# pxelinux: pxelinux\.cfg\/01-52-54-00-12-34-56\n# dploy discover on web01/);
  const uefi = await runDploy(['render', 'web01', 'boot', '--firmware', 'uefi'], { cwd });
  assert.match(uefi.stdout, /^# grub: \/grub\/grub\.cfg-01-52-54-00-12-34-56\n/);
});

// Last: it builds dploy's boot environment into the TFTP root, which the tests above must not see.
test("once dploy's boot environment is built for amd64, discovery boots it (boot.discoverEnvironment auto), seen within seconds", async () => {
  const root = join(cwd, 'var', 'tftp');
  const unknown = () => firstAnswer(pxelinuxSearchOrder({ mac: '52:54:00:77:77:77', ip: '192.0.2.79' })).text;
  assert.match(unknown(), /KERNEL mindi\/vmlinuz/);
  // What `dploy boot-env build` leaves (test/e2e/boot-env.test.ts builds it for real).
  mkdirSync(join(root, 'dploy', 'amd64'), { recursive: true });
  writeFileSync(join(root, 'dploy', 'amd64', 'vmlinuz'), Buffer.alloc(1000, 1));
  writeFileSync(join(root, 'dploy', 'amd64', 'initrd.img'), Buffer.alloc(1000, 2));
  writeFileSync(join(root, 'dploy', 'amd64', 'manifest.json'), '{"format":"dploy-bootenv/1"}');
  let text = unknown();
  for (const deadline = Date.now() + 10_000; !/KERNEL dploy\/amd64\/vmlinuz/.test(text) && Date.now() < deadline; text = unknown()) {
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(text, /KERNEL dploy\/amd64\/vmlinuz/);
  assert.match(text, /initrd=dploy\/amd64\/initrd\.img/);
  assert.match(text, /console=tty0 dploy\.url=http:\/\/\S+ dploy\.token=\S+/);
  assert.doesNotMatch(text, /load_ramdisk/, "mindi's arguments stay with mindi");
});
