// `npm run build` compiles the sources one directory deeper (dist/plugin/…)
// than tsx runs them (plugin/…), and bin/dploy.js prefers that build: what
// dploy ships beside its code (package.json, sql/, pxe/, the native TFTP
// engine and HTTP senders) must be found from there too. Built here into a directory of its
// own inside the checkout, as deep as dist/, so that a developer's dist/ and
// the other tests (which run the sources) are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanEnv } from '../../support/cli.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('the compiled CLI finds its version, its SQL, its boot and answer templates and its native addons', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(ROOT, '.compiled-'));
  try {
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.json'), '--outDir', out]);
    const main = join(out, 'plugin/main.js');
    const cwd = mkdtempSync(join(tmpdir(), 'dploy-compiled-'));
    const dploy = (...args: string[]) => run(process.execPath, [main, ...args], { cwd, env: cleanEnv() });

    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await dploy('version')).stdout.trim(), `dploy ${version}`);
    // The embedded SQLite database is created from sql/ on first use.
    assert.match((await dploy('hosts', 'add', '--mac', '52:54:00:12:34:56', '--name', 'web01')).stdout, /added host web01 \(id 1\)/);
    assert.match((await dploy('render', 'web01', 'boot')).stdout, /^# pxelinux: pxelinux\.cfg\/01-52-54-00-12-34-56\n/);

    const probe = `
      const { SHIPPED_ANSWER_DIR } = await import(${JSON.stringify(join(out, 'plugin/installers/answers/answer-file.js'))});
      const { SHIPPED_TEMPLATE_DIR } = await import(${JSON.stringify(join(out, 'plugin/boot/template-lookup.js'))});
      const { SQL_ROOT } = await import(${JSON.stringify(join(out, 'plugin/store/migrate.js'))});
      const { loadNativeEngine } = await import(${JSON.stringify(join(out, 'plugin/tftp/native-engine.js'))});
      const { sendfileEngine } = await import(${JSON.stringify(join(out, 'plugin/web/sendfile-engine.js'))});
      const engine = loadNativeEngine();
      const sendfile = sendfileEngine();
      console.log(JSON.stringify({ answers: SHIPPED_ANSWER_DIR, templates: SHIPPED_TEMPLATE_DIR, sql: SQL_ROOT, engine: 'binding' in engine ? 'loaded' : engine.error, sendfile: 'send' in sendfile ? 'loaded' : sendfile.error }));`;
    const found = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', probe], { cwd })).stdout) as Record<string, string>;
    assert.deepEqual(
      { answers: found.answers, templates: found.templates, sql: found.sql },
      { answers: join(ROOT, 'pxe/answers/'), templates: join(ROOT, 'pxe/boot/'), sql: join(ROOT, 'sql/') },
    );
    // npm ci builds the engine (package.json "install"); where it was built, the compiled code must load it.
    if (existsSync(join(ROOT, 'build/native/tftp-engine.node'))) assert.equal(found.engine, 'loaded');
    else assert.match(found.engine!, /is not built/);
    if (existsSync(join(ROOT, 'build/native/http-sendfile.node'))) assert.equal(found.sendfile, 'loaded');
    else assert.match(found.sendfile!, /is not built/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
