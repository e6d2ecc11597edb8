// Loads the configuration once: defaults, then the YAML file (--config, else
// ./dploy.yaml, else /etc/dploy/dploy.yaml), then DPLOY_* environment
// variables. The result is validated and frozen; nothing reads config later.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DployError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { applyEnvironment } from './environment.js';
import { describeIssue } from './issues.js';
import { powerLeaseIssues } from './power-lease.js';

export const CONFIG_SEARCH_PATHS = ['./dploy.yaml', '/etc/dploy/dploy.yaml'];

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file that was read, or undefined when only defaults and environment apply. */
  file: string | undefined;
}

export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = findConfigFile(options.file ?? env.DPLOY_CONFIG, cwd);
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const merged = applyEnvironment(fromFile, env);
  const result = configSchema.safeParse(merged.value, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, merged.origins, file));
    throw new DployError('DPLOY_ERR_CONFIG', `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const overLease = powerLeaseIssues(result.data, merged.value, merged.origins, file);
  if (overLease.length > 0) throw new DployError('DPLOY_ERR_CONFIG', `invalid configuration:\n  ${overLease.join('\n  ')}`);
  return { config: deepFreeze(result.data), file };
}

function findConfigFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new DployError('DPLOY_ERR_CONFIG', `config file ${path} does not exist`);
    return path;
  }
  return CONFIG_SEARCH_PATHS.map((p) => resolve(cwd, p)).find((p) => existsSync(p));
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    const where = err instanceof YAMLParseError ? ` (line ${err.linePos?.[0].line ?? '?'})` : '';
    throw new DployError('DPLOY_ERR_CONFIG', `${path}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DployError('DPLOY_ERR_CONFIG', `${path}: expected a mapping of settings at the top level`);
  }
  return parsed as Record<string, unknown>;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
