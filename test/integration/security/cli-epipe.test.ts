// Low: `dploy hosts show 1 | head` died with an EPIPE stack trace once head
// had read enough and closed the pipe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DPLOY_BIN, cleanEnv, runDploy } from '../../support/cli.js';

test('dploy hosts show, its reader gone at once, exits quietly with 0', { timeout: 60_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-epipe-'));
  assert.equal((await runDploy(['hosts', 'add', '--name', 'a', '--mac', '52:54:00:00:00:01'], { cwd })).code, 0);
  const child = spawn(process.execPath, [DPLOY_BIN, 'hosts', 'show', '1'], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // as head does once it has its lines
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(stderr, '', 'no stack trace');
  assert.equal(code, 0);
});
