// Pointing platform ocs at a database that is not OCS: every command names
// that as the problem, the way `dploy migrate` does, instead of asking for a
// migrate that would then refuse the database.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';
import { createTestDatabase } from '../../support/databases.js';

test('dploy serve and the CLI on a database that is not OCS say so, and do not send the operator to dploy migrate', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-not-ocs-'));
  const plain = await createTestDatabase('mysql');
  try {
    const env = { DPLOY_PLATFORM: 'ocs', DPLOY_DATABASE_URL: plain.url, DPLOY_TFTP_ENABLED: 'false', DPLOY_RUNNER_ENABLED: 'false' };
    for (const args of [['serve'], ['hosts', 'list'], ['migrate']]) {
      const run = await runDploy(args, { cwd, env });
      assert.equal(run.code, 1, `dploy ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(
        run.stderr,
        /is not an OCS Inventory NG database \(no hardware, accountinfo, .* tables\); point database.url at OCS's database/,
        `dploy ${args.join(' ')}`,
      );
      assert.doesNotMatch(run.stderr, /dploy migrate/, `dploy ${args.join(' ')}`);
    }
  } finally {
    await plain.drop();
  }
});
