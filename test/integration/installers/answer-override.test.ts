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
import { buildDebianIso, NETBOOT } from './netinst-iso.js';

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
    method: 'POST',
    headers: { 'x-dploy-token': discovery, 'content-type': 'application/xml' },
    body: readFileSync(LSHW),
  });
  assert.equal(posted.status, 200, await posted.text());
  await dploy('runner', '--once');
  await dploy('profiles', 'add', PROFILE);
  await dploy('task', 'set', 'web01', 'install', '--profile', 'debian-12-web');
  await dploy('runner', '--once');
});
after(() => serve?.stop());

test("the operator's debian-12 preseed wins over debian.eta and the shipped default, and can wrap the shipped default", async () => {
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

test('dploy render <host> answer prints what the install fetches, without moving the job; --profile previews for a machine without one', async () => {
  const token = await bootToken(/\/answers\/([A-Za-z0-9_-]+)/);
  const env = { DPLOY_INSTALLERS_TEMPLATE_DIR: templates, DPLOY_HTTP_ADDRESS: '127.0.0.1', DPLOY_HTTP_PORT: new URL(serve.url).port };
  const served = {
    answer: await (await fetch(`${serve.url}/answers/${token}`)).text(),
    'post.sh': await (await fetch(`${serve.url}/answers/${token}/post.sh`)).text(),
  };
  const jobsBefore = await dploy('jobs', 'list', '--json');
  for (const part of ['answer', 'post.sh'] as const) {
    const rendered = await runDploy(['render', 'web01', 'answer', '--part', part], { cwd, env });
    assert.equal(rendered.code, 0, rendered.stderr);
    // The entry came from `dploy render … boot`, not from the machine: the boot NIC is still the host's.
    assert.equal(
      rendered.stderr,
      'dploy: the machine has not booted this job yet: boot NIC 52:54:00:d0:00:01 (given by hand) is a preview; the NIC its boot entry is served to will be used\n',
    );
    assert.equal(rendered.stdout, served[part], `${part}: the same bytes as the machine gets`);
  }
  assert.match(served.answer, /^# site: web01 gets the site preseed$/m);
  assert.equal(await dploy('jobs', 'list', '--json'), jobsBefore, 'rendering is not the machine fetching: the job stays as it was');

  await dploy('hosts', 'add', '--mac', '52:54:00:e0:00:02', '--name', 'web02');
  const refused = await runDploy(['render', 'web02', 'answer'], { cwd, env });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /web02: it has no active install job; give --profile to preview one/);
  const bare = await runDploy(['render', 'web02', 'answer', '--profile', 'debian-12-web'], { cwd, env });
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, /web02 has no inventory yet: discover it first/, 'no inventory, no disk to choose: said before any boot');
  // Another profile for the machine that is installing: a preview, its job untouched.
  writeFileSync(
    join(cwd, 'ubuntu.yaml'),
    readFileSync(PROFILE, 'utf8')
      .replace('name: debian-12-web', 'name: ubuntu-2404-web')
      .replace('distro: debian', 'distro: ubuntu')
      .replace('release: "12"', 'release: "24.04"'),
  );
  await dploy('profiles', 'add', join(cwd, 'ubuntu.yaml'));
  const preview = await runDploy(['render', 'web01', 'answer', '--profile', 'ubuntu-2404-web'], { cwd, env });
  assert.equal(preview.code, 0, preview.stderr);
  assert.match(
    preview.stderr,
    /preview of ubuntu-2404-web for web01: no active install job of this profile, so its URLs carry the placeholder token PREVIEW-no-active-job/,
  );
  assert.match(preview.stdout, /^#cloud-config\n/);
  assert.match(preview.stdout, /\/answers\/PREVIEW-no-active-job\//);
  assert.equal(await dploy('jobs', 'list', '--json'), jobsBefore);
  const badPart = await runDploy(['render', 'web01', 'answer', '--part', 'kickstart'], { cwd, env });
  assert.equal(badPart.code, 1);
  assert.match(badPart.stderr, /--part is one of answer, post\.sh, callback\.sh, meta-data, user-data/);

  // Once Debian 12's media is imported, the install boots the imported kernel from its own directory.
  assert.match(await dploy('render', 'web01', 'boot'), /^\s*KERNEL debian-installer\/amd64\/linux$/m, 'before: the netboot-layout path');
  const iso = buildDebianIso(mkdtempSync(join(tmpdir(), 'dploy-netinst-')), '12.8.0', 'Bookworm', readFileSync(`${NETBOOT}/initrd.gz`));
  await dploy('import-iso', iso);
  const entry = await dploy('render', 'web01', 'boot');
  assert.match(entry, /^\s*KERNEL linuxcoe\/debian-12-x86_64\/linux$/m);
  assert.match(entry, /initrd=linuxcoe\/debian-12-x86_64\/initrd\.gz/);
});
