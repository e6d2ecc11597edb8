// Platform registry: one line per host tool. The SIM provider plugs in here
// when it lands.

import { DployError } from '../errors.js';
import type { Store } from '../store/database.js';
import type { Platform, PlatformName } from './platform.js';
import { createStandalonePlatform } from './standalone/standalone-platform.js';
import { createOcsPlatform } from './ocs/ocs-platform.js';

export type { Platform, PlatformName, RawDocument, RecordedMachine } from './platform.js';

const PLATFORMS: Partial<Record<PlatformName, (store: Store) => Platform>> = {
  standalone: createStandalonePlatform,
  ocs: createOcsPlatform,
};

export function createPlatform(name: PlatformName, store: Store): Platform {
  const create = PLATFORMS[name];
  if (!create) throw new DployError('DPLOY_ERR_CONFIG', `platform "${name}" is not available in this version of dploy (available: ${Object.keys(PLATFORMS).join(', ')})`);
  return create(store);
}
