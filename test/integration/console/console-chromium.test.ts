// The console in headless Chromium, as a person with a browser sees it: log in
// through the form, open the hosts list, a host, the jobs and the profiles
// (and, logged in again as an admin, the settings, the images and an image, verified with its button);
// each page screenshotted into a kept directory, and not one console error,
// CSP refusal or failed request on the way.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { launchChromium, type Chromium, type ChromiumPage } from '../../support/chromium.js';
import { machineDocument, postInventory, startTrustServer, type TrustServer } from '../../support/trust-server.js';
import { addUser } from '../../../plugin/store/users.js';
import { createApiToken } from '../../../plugin/store/api-tokens.js';
import { createJob } from '../../../plugin/store/jobs.js';
import { seedImage } from '../../support/seeded-image.js';

const PROFILE = parseYaml(readFileSync(new URL('../../fixtures/profiles/debian-12-web.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
const PASSWORD = 'long enough password';

/** Where the screenshots stay after the run: DPLOY_TEST_ARTEFACTS (CI keeps it) or a fresh temporary directory. */
function artefactDir(): string {
  const root = process.env.DPLOY_TEST_ARTEFACTS;
  if (!root) return mkdtempSync(join(tmpdir(), 'dploy-console-screenshots-'));
  const dir = join(root, 'console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('the console in headless Chromium', () => {
  let dploy: TrustServer;
  let chromium: Chromium;
  let page: ChromiumPage;
  let hostId: number;
  let hostName: string;
  let jobId: number;
  const screenshots = artefactDir();

  before(async () => {
    // Each assigned on its own: if one fails to start, after() still stops the other.
    await Promise.all([startTrustServer('sqlite').then((d) => (dploy = d)), launchChromium().then((c) => (chromium = c))]);
    const db = dploy.server.store.db.manager;
    await addUser(db, 'alice', 'operator', PASSWORD);
    await addUser(db, 'root', 'admin', PASSWORD);
    const posted = await postInventory(dploy.url, dploy.enrollment, machineDocument('52:54:00:c4:00:01'));
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    hostId = Number(posted.body.host_id);
    hostName = String(posted.body.host_name);
    jobId = (await createJob(db, { hostId, kind: 'discover' }, 'runner:test', 'opened for the screenshot')).id;
    await seedImage(db, join(dploy.cwd, 'var', 'images'), `${hostName}-golden`, { hostId, host: hostName });
    const { token } = await createApiToken(db, 'seed', 'operator');
    const put = await fetch(`${dploy.url}/api/v1/profiles/debian-12-web`, {
      method: 'PUT',
      body: JSON.stringify(PROFILE),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    assert.equal(put.status, 201, await put.text());
    page = await chromium.newPage();
  });
  after(async () => {
    await chromium?.close();
    await dploy?.close();
  });

  const visit = async (name: string, path: string) => {
    await page.goto(`${dploy.url}${path}`);
    writeFileSync(join(screenshots, `${name}.png`), await page.screenshot());
    return page.evaluate<string>(`document.querySelector('h1').textContent`);
  };

  const logIn = (user: string) => {
    const fill = `document.querySelector('[name=user]').value = '${user}'; document.querySelector('[name=password]').value = '${PASSWORD}';`;
    return page.evaluate(`${fill} document.querySelector('form').requestSubmit()`, { navigates: true });
  };

  test('a person logs in and sees the main pages with no console error and no failed request; screenshots kept', async (t) => {
    t.diagnostic(`screenshots in ${screenshots}`);
    assert.equal(await visit('login', '/login'), 'Log in');
    await logIn('alice');
    assert.equal(await page.evaluate<string>('location.pathname'), '/', 'the login lands on the hosts list');
    assert.equal(await visit('hosts', '/'), 'Hosts');
    const listed = await page.evaluate<string>(`document.querySelector('table').innerText`);
    assert.ok(listed.includes(hostName), `the discovered machine is listed: ${listed}`);
    assert.equal(await visit('host', `/hosts/${hostId}`), `Host ${hostName}`);
    assert.match(await page.evaluate<string>('document.body.innerText'), /opened for the screenshot/, 'its job and events are on its page');
    assert.equal(await visit('jobs', '/jobs'), 'Jobs');
    assert.match(await visit('job', `/jobs/${jobId}`), new RegExp(`${jobId}`));
    assert.equal(await visit('profiles', '/profiles'), 'Profiles');
    assert.match(await visit('profile', '/profiles/debian-12-web'), /debian-12-web/);
    // Log out with the button, back in as an admin, for the settings page.
    await page.evaluate(`document.querySelector('nav form').requestSubmit()`, { navigates: true });
    assert.equal(await page.evaluate<string>('location.pathname'), '/login');
    await logIn('root');
    assert.equal(await visit('settings', '/settings'), 'Settings');
    assert.match(await page.evaluate<string>(`document.querySelector('table').innerText`), /database\.url\s+sqlite:/);
    assert.equal(await visit('images', '/images'), 'Images');
    assert.match(
      await page.evaluate<string>(`document.querySelector('table').innerText`),
      new RegExp(`${hostName}-golden\\s+${hostName}\\s.*ready\\s+unverified`),
    );
    assert.equal(await visit('image', `/images/${hostName}-golden`), `Image ${hostName}-golden`);
    assert.match(await page.evaluate<string>('document.body.innerText'), /Filesystems[\s\S]*\/boot\s+\/dev\/vda2\s+ext4/);
    // The admin verifies it with the button: the page it lands on says it is verifying (the reading goes on in the
    // background), or, reloaded once the reading ended, what it found.
    await page.evaluate(`document.querySelector('form[action$="/verify"]').requestSubmit()`, { navigates: true });
    let text = await page.evaluate<string>('document.body.innerText');
    while (/verifying since/.test(text)) {
      await page.evaluate('location.reload()', { navigates: true });
      text = await page.evaluate<string>('document.body.innerText');
    }
    assert.match(text, /verified: every archive matches manifest\.json/);
    writeFileSync(join(screenshots, 'image-verified.png'), await page.screenshot());
    assert.deepEqual(page.takeProblems(), []);
    for (const name of ['login', 'hosts', 'host', 'jobs', 'job', 'profiles', 'profile', 'settings', 'images', 'image', 'image-verified']) {
      const png = readFileSync(join(screenshots, `${name}.png`));
      assert.equal(png.subarray(1, 4).toString(), 'PNG', `${name}.png is a PNG`);
      // A blank 1280-wide page compresses to about 6 KB; a page of text is several times that.
      assert.ok(png.length > 10_000, `${name}.png holds a rendered page (${png.length} bytes)`);
    }
  });

  test('the watch sees what goes wrong: a missing page is a failed request', async () => {
    await page.goto(`${dploy.url}/hosts/999999`);
    assert.deepEqual(
      page.takeProblems().map((p) => [p.kind, p.text.replace(dploy.url, '')]),
      [
        ['request', '404 /hosts/999999'],
        ['log', 'Failed to load resource: the server responded with a status of 404 (Not Found) /hosts/999999'],
      ],
    );
  });
});
