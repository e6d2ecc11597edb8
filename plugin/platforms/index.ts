// Platform registry: one line per host tool.

import { DployError } from '../errors.js';
import type { Store } from '../store/database.js';
import { openMigratedStore } from '../store/open.js';
import type { Platform, PlatformName } from './platform.js';
import { createStandalonePlatform } from './standalone/standalone-platform.js';
import { createOcsPlatform } from './ocs/ocs-platform.js';
import type { OcsSchemaOptions } from './ocs/ocs-database.js';
import { createSimPlatform } from './sim/sim-platform.js';
import type { SimSettings } from './sim/sim-settings.js';

export type { Platform, PlatformName } from './platform.js';
export type { RawDocument, RecordedMachine } from '../model/discovery.js';

/** Each platform's own configuration section. */
export interface PlatformSettings {
  ocs?: OcsSchemaOptions;
  sim?: SimSettings;
}

const PLATFORMS: Partial<Record<PlatformName, (store: Store, settings: PlatformSettings) => Platform>> = {
  standalone: createStandalonePlatform,
  ocs: (store, settings) => createOcsPlatform(store, {}, settings.ocs),
  sim: (store, settings) => createSimPlatform(store, settings.sim),
};

/**
 * The store and its platform for a command or the server. The platform's own
 * check of the database comes before dploy's migration check, so a database
 * the host tool does not recognise is named as such (a migrate would refuse it).
 */
export async function openPlatform(name: PlatformName, url: string, settings: PlatformSettings = {}): Promise<{ store: Store; platform: Platform }> {
  let platform: Platform | undefined;
  const store = await openMigratedStore(url, async (opened) => {
    platform = createPlatform(name, opened, settings);
    await platform.check();
  });
  return { store, platform: platform! };
}

export function createPlatform(name: PlatformName, store: Store, settings: PlatformSettings = {}): Platform {
  const create = PLATFORMS[name];
  if (!create)
    throw new DployError('DPLOY_ERR_CONFIG', `platform "${name}" is not available in this version of dploy (available: ${Object.keys(PLATFORMS).join(', ')})`);
  return create(store, settings);
}
