// installers.templateDir, as an operator uses it: `dploy serve` answers a
// real install job with the operator's templates searched before the shipped
// ones, most specific name first; a partial override (one snippet, or a
// distro file that wraps the shipped default) leaves the rest shipped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { startServe, type ServeProcess } from '../../support/serve.js';

const LSHW = new URL('../../fixtures/lshw/qemu-seabios-pc.xml', import.meta.url);
const PROFILE = new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url).pathname;

let cwd: string;
let templates: string;
let serve: ServeProcess;

async function dploy(...args: string[]): Promise<string> {
  const run = await runDploy(args, { cwd, env: { DPLOY_INSTALLERS_TEMPLATE_DIR: templates } });
  assert.equal(run.code, 0, `dploy ${args.join(' ')}:\n${run.stderr}`);
  return run.stdout;
}

/** The token in the machine's current boot entry (dploy.token= for discovery, /answers/<token> for an install). */
async function bootToken(pattern: RegExp): Promise<string> {
  const entry = await dploy('render', 'web01', 'boot');
  const token = pattern.exec(entry)?.[1];
  assert.ok(token, `no token in the boot entry:\n${entry}`);
  return token;
}

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'dploy-answer-override-'));
  templates = join(cwd, 'site-answers');
  mkdirSync(join(templates, 'preseed'), { recursive: true });
  mkdirSync(join(templates, 'snippets'), { recursive: true });
  // A Debian-12-only file that wraps the shipped default and adds the site's line.
  writeFileSync(join(templates, 'preseed', 'debian-12.eta'), "<%~ include('preseed/default', it) %>\n# site: <%= it.host.name %> gets the site preseed\n");
  // A Debian-only file, less specific: must lose to debian-12.eta.
  writeFileSync(join(templates, 'preseed', 'debian.eta'), '# the less specific template was used\n');
  // One snippet replaced; everything else in post.sh stays shipped.
  writeFileSync(join(templates, 'snippets', 'post-repositories.eta'), '# site repositories for <%= it.host.name %>\n');
  serve = await startServe({ cwd, env: { DPLOY_RUNNER_ENABLED: 'false', DPLOY_INSTALLERS_TEMPLATE_DIR: templates } });

  await dploy('hosts', 'add', '--mac', '52:54:00:d0:00:01', '--name', 'web01');
  await dploy('task', 'set', 'web01', 'discover');
  await dploy('runner', '--once');
  const discovery = await bootToken(/dploy\.token=(\S+)/);
  const posted = await fetch(`${serve.url}/agent/v1/inventory`, {
    method: 'POST', headers: { 'x-dploy-token': discovery, 'content-type': 'application/xml' }, body: readFileSync(LSHW),
  });
  assert.equal(posted.status, 200, await posted.text());
  await dploy('runner', '--once');
  await dploy('profiles', 'add', PROFILE);
  await dploy('task', 'set', 'web01', 'install', '--profile', 'debian-12-web');
  await dploy('runner', '--once');
});
after(() => serve?.stop());

test('the operator\'s debian-12 preseed wins over debian.eta and the shipped default, and can wrap the shipped default', async () => {
  const token = await bootToken(/\/answers\/([A-Za-z0-9_-]+)/);
  const response = await fetch(`${serve.url}/answers/${token}`);
  assert.equal(response.status, 200);
  const preseed = await response.text();
  assert.match(preseed, /^# site: web01 gets the site preseed$/m);
  assert.match(preseed, /^d-i partman-auto\/disk string \/dev\/\S+$/m, 'the shipped preseed is included whole');
  assert.doesNotMatch(preseed, /less specific template/);
});

test('one overridden snippet replaces only itself in post.sh', async () => {
  const token = await bootToken(/\/answers\/([A-Za-z0-9_-]+)/);
  const response = await fetch(`${serve.url}/answers/${token}/post.sh`);
  assert.equal(response.status, 200);
  const post = await response.text();
  assert.match(post, /^# site repositories for web01$/m);
  assert.match(post, /authorized_keys/, 'the shipped users snippet is still there');
});

test('a broken operator template is a clear error naming the file, not a half-written answer', async () => {
  writeFileSync(join(templates, 'preseed', 'debian-12-x86_64.eta'), '<%= it.host.name %\n');
  try {
    const token = await bootToken(/\/answers\/([A-Za-z0-9_-]+)/);
    const response = await fetch(`${serve.url}/answers/${token}`);
    assert.equal(response.status, 500);
    const body = await response.text();
    assert.match(body, /debian-12-x86_64\.eta/);
    assert.doesNotMatch(body, /^d-i /m);
  } finally {
    writeFileSync(join(templates, 'preseed', 'debian-12-x86_64.eta'), "<%~ include('preseed/debian-12', it) %>\n");
  }
});
