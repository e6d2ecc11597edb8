// Platform registry: one line per host tool. The SIM provider plugs in here
// when it lands.

import { DployError } from '../errors.js';
import type { Store } from '../store/database.js';
import type { Platform, PlatformName } from './platform.js';
import { createStandalonePlatform } from './standalone/standalone-platform.js';
import { createOcsPlatform } from './ocs/ocs-platform.js';
import type { OcsSchemaOptions } from './ocs/ocs-database.js';

export type { Platform, PlatformName, RawDocument, RecordedMachine } from './platform.js';

/** Each platform's own configuration section. */
export interface PlatformSettings {
  ocs?: OcsSchemaOptions;
}

const PLATFORMS: Partial<Record<PlatformName, (store: Store, settings: PlatformSettings) => Platform>> = {
  standalone: createStandalonePlatform,
  ocs: (store, settings) => createOcsPlatform(store, {}, settings.ocs),
};

export function createPlatform(name: PlatformName, store: Store, settings: PlatformSettings = {}): Platform {
  const create = PLATFORMS[name];
  if (!create) throw new DployError('DPLOY_ERR_CONFIG', `platform "${name}" is not available in this version of dploy (available: ${Object.keys(PLATFORMS).join(', ')})`);
  return create(store, settings);
}
