// dploy_profiles: profiles by name, the whole definition kept as JSON in
// `definition` with password hashes sealed (plugin/secret-box.ts). A profile is
// validated whole before the one write that stores it.

import type { EntityManager } from 'typeorm';
import { DployError } from '../../errors.js';
import { readStoredProfile, sealProfile, validateProfile, type Profile } from './profile.js';
import { openSecretBox, type SecretBox } from '../../secret-box.js';

/** Where the key file lives when the caller names none (same ./var as the default SQLite file). */
export const DEFAULT_SECRET_KEY_FILE = './var/secret.key';

interface ProfileRow {
  id: number;
  name: string;
  distro: string;
  release_name: string;
  arch: string;
  definition: string;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface SaveOptions {
  replace: boolean;
  secrets?: SecretBox;
}

export interface SavedProfile {
  profile: Profile;
  warnings: string[];
  replaced: boolean;
}

export async function saveProfile(db: EntityManager, input: unknown, options: SaveOptions): Promise<Profile> {
  return (await storeProfile(db, input, options)).profile;
}

export async function storeProfile(db: EntityManager, input: unknown, options: SaveOptions): Promise<SavedProfile> {
  const { profile, warnings } = validateProfile(input);
  const sealed = sealProfile(profile, options.secrets ?? openSecretBox(DEFAULT_SECRET_KEY_FILE));
  return db.transaction(async (tx) => {
    const repo = tx.getRepository<ProfileRow>('Profile');
    const existing = await repo.findOneBy({ name: profile.name });
    if (existing && !options.replace) throw new DployError('DPLOY_ERR_CONFLICT', `profile ${profile.name} exists; use --replace to change it`);
    const now = new Date();
    const row = {
      name: profile.name,
      distro: profile.distro,
      release_name: profile.release,
      arch: profile.arch,
      definition: JSON.stringify(sealed),
      updated_at: now,
    };
    if (existing) await repo.update({ id: existing.id }, row);
    else await repo.insert({ ...row, created_at: now });
    return { profile: sealed, warnings, replaced: !!existing };
  });
}

/** The stored profile, hashes still sealed (openProfile() unseals them for rendering). */
export async function getProfile(db: EntityManager, name: string): Promise<Profile> {
  const row = await db.getRepository<ProfileRow>('Profile').findOneBy({ name });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no profile "${name}" (dploy profiles list)`);
  return readStoredProfile(row.definition);
}

export async function listProfiles(db: EntityManager): Promise<Profile[]> {
  const rows = await db.getRepository<ProfileRow>('Profile').find({ order: { name: 'ASC' } });
  return rows.map((row) => readStoredProfile(row.definition));
}
