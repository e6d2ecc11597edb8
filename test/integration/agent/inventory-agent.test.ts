// The discovery path end to end: the real agent script under busybox posts
// this machine's real `lshw -xml` to a real `dploy serve`; `dploy hosts show`
// then tells the truth about the machine, checked against the kernel's own
// view (/sys, lsblk) rather than against the parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDploy } from '../../support/cli.js';
import { startServe } from '../../support/serve.js';
import { busyboxPath } from '../../support/busybox-env.js';

const SCRIPT = fileURLToPath(new URL('../../../agent-scripts/dploy-inventory', import.meta.url));
const LSHW = ['/usr/bin/lshw', '/usr/sbin/lshw'].find((p) => existsSync(p));

function physicalNics(): Array<{ name: string; mac: string }> {
  return readdirSync('/sys/class/net')
    .filter((name) => existsSync(`/sys/class/net/${name}/device`))
    .map((name) => ({ name, mac: readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim() }));
}

function dmi(field: string): string | null {
  const path = `/sys/class/dmi/id/${field}`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim() || null : null;
}

test('busybox runs the agent script, which posts the real lshw; hosts show lists the machine as the kernel sees it', async () => {
  assert.ok(LSHW, 'lshw is missing: apt-get install -y lshw');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-agent-'));
  const serve = await startServe({ cwd });
  try {
    const token = (await runDploy(['token', 'enrollment'], { cwd })).stdout.trim();
    const cmdline = join(cwd, 'cmdline');
    writeFileSync(cmdline, `BOOT_IMAGE=vmlinuz ro quiet dploy.url=${serve.url} dploy.token=${token} ipconf=eth0:dhcp\n`);
    const path = busyboxPath({ lshw: LSHW! });
    const run = spawnSync(join(path, 'sh'), [SCRIPT], {
      env: { PATH: path, DPLOY_CMDLINE: cmdline, DPLOY_OUT: join(cwd, 'next') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `agent failed:\n${run.stderr}`);
    assert.match(run.stderr, /posting to .*\/agent\/v1\/inventory \(attempt 1 of 10, wget\)/);
    assert.match(run.stderr, /posted: this machine is host \S+ \(id 1\); next action: wait/);
    const answer = readFileSync(join(cwd, 'next'), 'utf8');
    assert.match(answer, /^host_id=1$/m);
    assert.match(answer, /^action=wait$/m);
    assert.match(answer, /^poll_seconds=30$/m);

    const shown = await runDploy(['hosts', 'show', '1', '--json'], { cwd });
    assert.equal(shown.code, 0, shown.stderr);
    const host = JSON.parse(shown.stdout) as {
      macs: string[];
      hardware: {
        serial: string | null;
        uuid: string | null;
        cpuSockets: number;
        memoryBytes: number;
        disks: Array<{ name: string; sizeBytes: number | null }>;
        nics: Array<{ mac: string; name: string }>;
      };
    };
    const hw = host.hardware;
    assert.equal(hw.serial, dmi('product_serial'));
    assert.equal(hw.uuid, dmi('product_uuid')?.toLowerCase() ?? null);
    const nics = physicalNics();
    assert.deepEqual(hw.nics.map((n) => n.mac).sort(), nics.map((n) => n.mac).sort());
    assert.deepEqual(host.macs.slice().sort(), nics.map((n) => n.mac).sort());
    const sockets = new Set(
      readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('physical id'))
        .map((l) => l.split(':')[1]!.trim()),
    );
    assert.equal(hw.cpuSockets, Math.max(1, sockets.size));
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    assert.ok(hw.memoryBytes >= memTotal && hw.memoryBytes <= memTotal * 1.15, `memory ${hw.memoryBytes} vs MemTotal ${memTotal}`);
    const blocks = JSON.parse(execFileSync('lsblk', ['-b', '-d', '-J', '-o', 'NAME,SIZE,TYPE'], { encoding: 'utf8' })) as {
      blockdevices: Array<{ name: string; size: number; type: string }>;
    };
    for (const disk of blocks.blockdevices.filter((b) => b.type === 'disk' && !b.name.startsWith('zram') && b.size > 0)) {
      const seen = hw.disks.find((d) => d.name === `/dev/${disk.name}`);
      assert.ok(seen, `disk /dev/${disk.name} listed`);
      // lshw leaves out the size of some virtio disks (no partition table); when it gives one it must be the kernel's.
      if (seen.sizeBytes !== null) assert.equal(seen.sizeBytes, Number(disk.size));
    }

    const text = await runDploy(['hosts', 'show', '1'], { cwd });
    for (const nic of nics) assert.match(text.stdout, new RegExp(`${nic.name}\\s+${nic.mac}`));
    assert.match(text.stdout, /Disks \(\d+\):\n\s+\/dev\//);

    assert.match(
      text.stdout,
      new RegExp(`^Boot NIC:\\s+${host.macs[0]} \\(guessed`, 'm'),
      'no BOOTIF on the command line: the first MAC is a guess, and says so',
    );

    // Booted again with BOOTIF naming its last NIC (as pxelinux's IPAPPEND 2 writes it): that NIC is the boot NIC, seen.
    const bootNic = nics.at(-1)!;
    writeFileSync(cmdline, `BOOT_IMAGE=vmlinuz dploy.url=${serve.url} dploy.token=${token} BOOTIF=01-${bootNic.mac.replace(/:/g, '-')}\n`);
    const again = spawnSync(join(path, 'sh'), [SCRIPT], {
      env: { PATH: path, DPLOY_CMDLINE: cmdline, DPLOY_OUT: join(cwd, 'next') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /this machine is host \S+ \(id 1\)/, 'a re-post updates the same machine');
    assert.match(again.stderr, new RegExp(`boot NIC \\(BOOTIF\\): 01-${bootNic.mac.replace(/:/g, '-')}`));
    const seen = await runDploy(['hosts', 'show', '1'], { cwd });
    assert.match(seen.stdout, new RegExp(`^Boot NIC:\\s+${bootNic.mac} \\(seen at boot\\)$`, 'm'));
    assert.match(seen.stdout, new RegExp(`${bootNic.name}\\s+${bootNic.mac}.*\\(boot NIC\\)`));
    const list = JSON.parse((await runDploy(['hosts', 'list', '--json'], { cwd })).stdout) as unknown[];
    assert.equal(list.length, 1);
  } finally {
    await serve.stop();
  }
});

test('with curl instead of wget the agent posts the document gzip-compressed', async () => {
  assert.ok(LSHW, 'lshw is missing: apt-get install -y lshw');
  const curl = ['/usr/bin/curl', '/bin/curl'].find((p) => existsSync(p));
  assert.ok(curl, 'curl is missing: apt-get install -y curl');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-agent-'));
  const serve = await startServe({ cwd });
  try {
    const token = (await runDploy(['token', 'enrollment'], { cwd })).stdout.trim();
    const path = busyboxPath({ lshw: LSHW!, curl: curl! }, ['wget']);
    // A BOOTIF of a NIC this machine does not have is the machine's word against its own inventory: dropped.
    const cmdline = join(cwd, 'cmdline');
    writeFileSync(cmdline, 'BOOTIF=01-02-00-00-0b-00-7e\n');
    const run = spawnSync(join(path, 'sh'), [SCRIPT, '--url', serve.url, '--token', token], {
      env: { PATH: path, DPLOY_CMDLINE: cmdline },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /inventory: \d+ bytes, \d+ compressed/);
    assert.match(run.stderr, /\(attempt 1 of 10, curl\)/);
    assert.match(run.stderr, /posted: this machine is host \S+ \(id 1\)/);
    const host = JSON.parse((await runDploy(['hosts', 'show', '1', '--json'], { cwd })).stdout) as { macs: string[]; bootNic: { mac: string; source: string } };
    assert.deepEqual(host.bootNic && { mac: host.bootNic.mac, source: host.bootNic.source }, { mac: host.macs[0], source: 'guessed' });
  } finally {
    await serve.stop();
  }
});

test('a wrong token stops the agent at once with the reason; an unreachable dploy is retried, then given up', async () => {
  assert.ok(LSHW, 'lshw is missing: apt-get install -y lshw');
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-agent-'));
  const serve = await startServe({ cwd });
  try {
    const path = busyboxPath({ lshw: LSHW! });
    const wrong = spawnSync(join(path, 'sh'), [SCRIPT, '--url', serve.url, '--token', 'not-the-token'], {
      env: { PATH: path, DPLOY_CMDLINE: '/nonexistent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /ERROR: dploy refused the enrollment token \(HTTP 401\)/);
    assert.doesNotMatch(wrong.stderr, /attempt 2/, 'no retry of a refusal');

    const down = spawnSync(join(path, 'sh'), [SCRIPT, '--url', 'http://127.0.0.1:9', '--token', 'x'], {
      env: { PATH: path, DPLOY_CMDLINE: '/nonexistent', DPLOY_ATTEMPTS: '2' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(down.status, 1);
    assert.match(down.stderr, /retrying in 2s/);
    assert.match(down.stderr, /ERROR: gave up after 2 attempts posting to http:\/\/127\.0\.0\.1:9\/agent\/v1\/inventory/);

    const usage = spawnSync(join(path, 'sh'), [SCRIPT], { env: { PATH: path, DPLOY_CMDLINE: '/nonexistent' }, encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /no dploy URL: pass --url or dploy\.url= on the kernel command line/);
  } finally {
    await serve.stop();
  }
});
