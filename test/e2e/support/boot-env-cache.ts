// dploy's boot environment as `dploy boot-env build` makes it, built once into
// a cache shared by the e2e tests (DPLOY_TEST_BOOTENV_CACHE, default
// /var/cache/dploy-test/boot-env): the downloaded packages under packages/, the
// TFTP tree (dploy/amd64/vmlinuz, initrd.img, manifest.json) under tftp/. An
// unchanged build is not redone; a changed agent script or init is.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDploy } from '../../support/cli.js';

export const BOOTENV_CACHE = process.env.DPLOY_TEST_BOOTENV_CACHE ?? '/var/cache/dploy-test/boot-env';

/** Builds (or finds current) the amd64 boot environment; returns the TFTP tree holding dploy/amd64/. */
export async function cachedBootEnvironment(): Promise<string> {
  const tftp = join(BOOTENV_CACHE, 'tftp');
  mkdirSync(tftp, { recursive: true });
  const built = await runDploy(['boot-env', 'build', '--arch', 'amd64', '--cache-dir', join(BOOTENV_CACHE, 'packages')], {
    cwd: tmpdir(),
    env: { DPLOY_TFTP_ROOT: tftp },
  });
  assert.equal(built.code, 0, built.stderr);
  return tftp;
}
