// dploy_settings: small named values that belong to the site's database
// rather than to one server's config file (every runner and every dploy
// process of a site must agree on them).

import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';

interface SettingRow {
  name: string;
  value: string;
  updated_at: Date | string;
}

export async function readSetting(db: EntityManager, name: string): Promise<string | undefined> {
  return (await db.getRepository<SettingRow>('Setting').findOneBy({ name }))?.value;
}

export async function writeSetting(db: EntityManager, name: string, value: string): Promise<void> {
  await db.getRepository<SettingRow>('Setting').upsert({ name, value, updated_at: new Date() }, ['name']);
}

/**
 * The site enrollment token that machines booted into discovery present when
 * they post their inventory. It travels on the PXE kernel command line
 * (dploy.token=), i.e. in clear over TFTP, so it gates casual or accidental
 * posts rather than guarding a secret: it is kept readable, created on first
 * use, and rotated with `dploy token enrollment --rotate`.
 */
export async function enrollmentToken(db: EntityManager, options: { rotate?: boolean } = {}): Promise<string> {
  const current = await readSetting(db, 'enrollment_token');
  if (current && !options.rotate) return current;
  const token = randomBytes(18).toString('base64url');
  await writeSetting(db, 'enrollment_token', token);
  return token;
}

/**
 * Takes a setting row as a lock until the transaction ends: an UPDATE holds
 * the row lock (MariaDB/PostgreSQL) or the write lock (SQLite) until commit,
 * so transactions that take the same row run one after another. The row is
 * created on first use.
 */
export async function lockSettingRow(tx: EntityManager, name: string, now: Date): Promise<void> {
  const repo = tx.getRepository<SettingRow>('Setting');
  const result = await repo.update({ name }, { value: now.toISOString(), updated_at: now });
  if (!result.affected) {
    await repo.createQueryBuilder().insert().values({ name, value: now.toISOString(), updated_at: now }).orIgnore().updateEntity(false).execute();
    await repo.update({ name }, { value: now.toISOString(), updated_at: now });
  }
}
