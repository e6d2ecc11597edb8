// A rebuild job's post-install script (the chain of docs/images.md), as each
// family renders it: it ends by fetching dploy-restore from the job's image
// routes and restoring the chosen paths into the installed system (/), and it
// is valid sh; an install job's post.sh has none of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { answerData, CATALOG, renderAnswerData } from '../../../plugin/installers/index.js';
import { BASE_URL, BOOT_NIC, goldenProfile, HOST, INVENTORY, JOB, MIRROR, TOKEN } from './answer-machine.js';

for (const kind of ['preseed', 'kickstart', 'autoyast', 'autoinstall']) {
  test(`${kind}: a rebuild job's post.sh restores the chosen paths last; an install job's does not`, () => {
    const entry = CATALOG.find((e) => e.answerKind === kind && e.arch === 'x86_64')!;
    const post = (jobKind: 'install' | 'rebuild') =>
      renderAnswerData(
        answerData({
          host: HOST,
          job: { ...JOB, kind: jobKind },
          profile: goldenProfile(entry),
          inventory: { ...INVENTORY, arch: entry.arch },
          httpBaseUrl: BASE_URL,
          bootNic: BOOT_NIC,
          mirror: MIRROR,
        }),
        'post.sh',
      );
    const rebuild = post('rebuild');
    const script = `${BASE_URL}/images/${TOKEN}/dploy-restore`;
    assert.ok(
      rebuild.endsWith(
        `if curl -fsS -o /root/dploy-restore '${script}' 2>/dev/null || wget -q -O /root/dploy-restore '${script}'; then\n` +
          `  sh /root/dploy-restore --paths --url '${BASE_URL}' --token '${TOKEN}' --root / || echo "dploy: restoring the chosen paths failed ($?)" >&2\n` +
          `else\n  echo "dploy: could not fetch ${script}: the job fails when the installer reports installed" >&2\nfi\nexit 0\n`,
      ),
      rebuild.slice(-600),
    );
    assert.equal(spawnSync('sh', ['-n'], { input: rebuild }).status, 0, 'post.sh is not valid sh');
    assert.doesNotMatch(post('install'), /dploy-restore/);
  });
}
