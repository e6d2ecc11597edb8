// Whole rendered files against test/fixtures/boot/<loader>/<state>.golden.
// After a deliberate template change: UPDATE_GOLDEN=1 node --import tsx --test
// test/unit/boot/golden.test.ts, then read the diff before committing it.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { BootVariables } from '../../../plugin/boot/boot-inputs.js';
import type { BootLoader } from '../../../plugin/boot/boot-request.js';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import type { BootStateKind } from '../../../plugin/model/host.js';
import { BOOT_MAC, POLICY, requestFor, STATES, twoNicHost, UNKNOWN_MAC, variables } from './two-nic-host.js';

const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/boot/', import.meta.url));

async function compareGolden(file: string, text: string): Promise<void> {
  const path = join(GOLDEN_DIR, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  assert.ok(existsSync(path), `missing golden file ${path}; run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(text, await readFile(path, 'utf8'));
}

/** elilo loads a single initrd, so its install image keeps only the first. */
function variablesFor(loader: BootLoader): BootVariables {
  const base = variables();
  if (loader !== 'elilo') return base;
  return {
    ...base,
    image: async (state, context) => {
      const image = await base.image(state, context);
      return image && { ...image, initrds: image.initrds.slice(0, 1) };
    },
  };
}

const LOADERS: BootLoader[] = ['pxelinux', 'grub', 'elilo', 'ipxe'];
const KINDS = Object.keys(STATES) as BootStateKind[];

describe('rendered boot configs for a two-NIC machine booting from its second NIC', () => {
  for (const loader of LOADERS) {
    for (const kind of KINDS) {
      if (loader === 'elilo' && kind === 'localboot') continue;
      it(`${loader} ${kind} matches ${loader}/${kind}.golden`, async () => {
        const text = await renderBootConfig(requestFor(loader, BOOT_MAC), twoNicHost(STATES[kind]), POLICY, variablesFor(loader));
        assert.ok(text);
        await compareGolden(`${loader}/${kind}.golden`, text);
      });
    }
    it(`${loader} sends an unknown machine to discovery (unknown-discover.golden)`, async () => {
      const text = await renderBootConfig(requestFor(loader, UNKNOWN_MAC), undefined, POLICY, variables());
      assert.ok(text);
      await compareGolden(`${loader}/unknown-discover.golden`, text);
    });
  }

  it('elilo refuses an image with two initrds, naming the host', async () => {
    await assert.rejects(renderBootConfig(requestFor('elilo', BOOT_MAC), twoNicHost(STATES.install), POLICY, variables()), {
      code: 'DPLOY_ERR_BOOT_CONFIG',
      message: 'elilo loads one initrd; host "web01" has 2',
    });
  });

  it('elilo declines local boot, which it has no directive for', async () => {
    assert.equal(await renderBootConfig(requestFor('elilo', BOOT_MAC), twoNicHost(), POLICY, variables()), undefined);
  });
});
