// The effective configuration as the console's settings page shows it: every
// key as `section.key = value`, secrets masked. The one secret a setting can
// hold is a password inside a database URL (mysql://dploy:PASS@db/dploy, or
// ?password= in its query); the key file, TLS key and BMC passwords are files
// or sealed rows, never settings.

import type { Config } from './schema.js';

export const MASK = '(set, hidden)';

/** A URL's password, in its user part or its query, replaced by the mask; anything unparsable is hidden whole. */
export function maskUrlPassword(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    let shown = url;
    if (parsed.password) shown = shown.replace(`:${parsed.password}@`, `:${MASK}@`);
    for (const key of ['password', 'pass']) {
      const value = parsed.searchParams.get(key);
      if (value) shown = shown.replace(`${key}=${encodeURIComponent(value)}`, `${key}=${MASK}`).replace(`${key}=${value}`, `${key}=${MASK}`);
    }
    return shown;
  } catch {
    return MASK;
  }
}

/** Every setting, in the schema's order, secrets masked. */
export function shownConfig(config: Readonly<Config>): Array<{ key: string; value: string }> {
  const rows: Array<{ key: string; value: string }> = [];
  for (const [section, value] of Object.entries(config)) {
    if (typeof value !== 'object' || value === null) {
      rows.push({ key: section, value: String(value) });
      continue;
    }
    for (const [key, setting] of Object.entries(value as Record<string, unknown>)) {
      const path = `${section}.${key}`;
      rows.push({ key: path, value: path === 'database.url' ? maskUrlPassword(String(setting)) : JSON.stringify(setting) });
    }
  }
  return rows;
}
