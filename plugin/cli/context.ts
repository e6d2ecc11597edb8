// What every command needs: the loaded config and a way to open the store.
// Commands that do not touch the database never open it.

import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { openPlatform, type Platform } from '../platforms/index.js';
import type { Store } from '../store/database.js';
import { visibleJson, visibleText } from './terminal-text.js';

export function configOf(command: Command): LoadedConfig {
  const file = command.optsWithGlobals<{ config?: string }>().config;
  return loadConfig(file === undefined ? {} : { file });
}

/** Runs `body` with an open store and platform, closing the store whatever happens. */
export async function withStore<T>(command: Command, body: (store: Store, platform: Platform) => Promise<T>): Promise<T> {
  const { config } = configOf(command);
  const { store, platform } = await openPlatform(config.platform, config.database.url, { ocs: config.ocs, sim: config.sim });
  try {
    return await body(store, platform);
  } finally {
    await store.close();
  }
}

/** Output for the operator: what came from machines shows its hidden characters escaped (terminal-text.ts). */
export function print(text: string): void {
  process.stdout.write(visibleText(text));
}

export function printJson(value: unknown): void {
  process.stdout.write(visibleJson(JSON.stringify(value, null, 2)) + '\n');
}

/** A file for another tool (an answer file, DHCP host entries), byte for byte: its content is dploy's own or the operator's. */
export function printFile(text: string): void {
  process.stdout.write(text);
}
