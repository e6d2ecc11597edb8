export { loadConfig, CONFIG_SEARCH_PATHS, type LoadedConfig } from './load.js';
export { configSchema, type Config } from './schema.js';
export { configKeyPaths, envName } from './environment.js';
export { shownConfig, maskUrlPassword, MASK } from './shown-config.js';
