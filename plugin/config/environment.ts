// DPLOY_* environment variables override single keys: DPLOY_HTTP_PORT sets
// http.port, DPLOY_DATABASE_URL sets database.url. Values are read as YAML
// scalars so "8080" is a number and "false" a boolean, exactly as in the file.
// An unknown DPLOY_* variable is an error, like an unknown key in the file:
// a typo must not silently leave a default in place.

import { parse as parseYaml } from 'yaml';
import { DployError } from '../errors.js';
import { configSchema } from './schema.js';

/** Variables that are not config keys. */
// DPLOY_BMC_PASSWORD: a secret handed to `dploy hosts set --bmc`, sealed there; never a setting.
const RESERVED = new Set(['DPLOY_CONFIG', 'DPLOY_BMC_PASSWORD']);

export interface Merged {
  value: Record<string, unknown>;
  /** config path ("http.port") -> the variable that set it. */
  origins: Map<string, string>;
}

export function configKeyPaths(): string[][] {
  const paths: string[][] = [];
  // Sections hold keys, and may hold sub-sections (power.ipmi.restMs → DPLOY_POWER_IPMI_REST_MS).
  const walk = (schema: unknown, path: string[]) => {
    const inner = unwrapObject(schema);
    if (!inner) return void paths.push(path);
    for (const [key, child] of Object.entries(inner)) walk(child, [...path, key]);
  };
  for (const [section, schema] of Object.entries(configSchema.shape)) walk(schema, [section]);
  return paths;
}

export function envName(path: string[]): string {
  return 'DPLOY_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

export function applyEnvironment(fromFile: Record<string, unknown>, env: NodeJS.ProcessEnv): Merged {
  const byName = new Map(configKeyPaths().map((path) => [envName(path), path]));
  const value: Record<string, unknown> = structuredClone(fromFile);
  const origins = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('DPLOY_') || RESERVED.has(name) || raw === undefined) continue;
    const path = byName.get(name);
    if (!path) {
      throw new DployError('DPLOY_ERR_CONFIG', `unknown environment variable ${name}; known: ${[...byName.keys()].join(', ')}`);
    }
    setPath(value, path, parseScalar(raw));
    origins.set(path.join('.'), name);
  }
  return { value, origins };
}

function parseScalar(raw: string): unknown {
  try {
    const parsed: unknown = parseYaml(raw);
    return parsed === null || typeof parsed === 'object' ? raw : parsed;
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function unwrapObject(schema: unknown): Record<string, unknown> | undefined {
  // Sections are z.strictObject(...).prefault({}); reach through the wrapper.
  let current = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown } };
  for (let i = 0; i < 4 && current; i++) {
    if (current.shape) return current.shape;
    current = current.def?.innerType as typeof current;
  }
  return undefined;
}
