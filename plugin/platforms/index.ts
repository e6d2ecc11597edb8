// Platform registry: one line per host tool. The SIM provider plugs in here
// when it lands.

import { DployError } from '../errors.js';
import type { Store } from '../store/database.js';
import { openMigratedStore } from '../store/open.js';
import type { Platform, PlatformName } from './platform.js';
import { createStandalonePlatform } from './standalone/standalone-platform.js';
import { createOcsPlatform } from './ocs/ocs-platform.js';

export type { Platform, PlatformName, RawDocument, RecordedMachine } from './platform.js';

const PLATFORMS: Partial<Record<PlatformName, (store: Store) => Platform>> = {
  standalone: createStandalonePlatform,
  ocs: createOcsPlatform,
};

/**
 * The store and its platform for a command or the server. The platform's own
 * check of the database comes before dploy's migration check, so a database
 * the host tool does not recognise is named as such (a migrate would refuse it).
 */
export async function openPlatform(name: PlatformName, url: string): Promise<{ store: Store; platform: Platform }> {
  let platform: Platform | undefined;
  const store = await openMigratedStore(url, async (opened) => {
    platform = createPlatform(name, opened);
    await platform.check();
  });
  return { store, platform: platform! };
}

export function createPlatform(name: PlatformName, store: Store): Platform {
  const create = PLATFORMS[name];
  if (!create) throw new DployError('DPLOY_ERR_CONFIG', `platform "${name}" is not available in this version of dploy (available: ${Object.keys(PLATFORMS).join(', ')})`);
  return create(store);
}
