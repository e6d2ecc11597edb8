// Low: the SQLite file holds the enrollment token and every inventory; other
// local users must not read it (it was created 0644).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { startTrustServer } from '../../support/trust-server.js';

test("a new SQLite database and its WAL files are readable by dploy's user only", { timeout: 60_000 }, async () => {
  const dploy = await startTrustServer('sqlite');
  try {
    const file = dploy.databaseUrl.slice('sqlite:'.length);
    for (const path of [file, `${file}-wal`, `${file}-shm`].filter(existsSync)) {
      assert.equal((statSync(path).mode & 0o077).toString(8), '0', `${path} is mode ${(statSync(path).mode & 0o777).toString(8)}`);
    }
    assert.ok(existsSync(`${file}-wal`), 'the WAL file was checked too');
  } finally {
    await dploy.close();
  }
});
