// Validating a profile as a whole before anything is saved: the schema, the
// catalog entry it names, its password hashes against what that release can
// verify, and the disk policy's own fields. The error names every bad field.

import { DployError } from '../../errors.js';
import { catalogEntry } from '../catalog/catalog.js';
import { judgeHash, unsupportedBy } from './crypt-hash.js';
import { profileSchema, type Profile } from './profile-schema.js';
import { isSealed, type SecretBox } from '../../secret-box.js';

export type { Profile, ProfileUser } from './profile-schema.js';

export interface CheckedProfile {
  profile: Profile;
  /** Accepted but worth saying (a $5$ hash). */
  warnings: string[];
}

function refuse(lines: string[]): never {
  throw new DployError('DPLOY_ERR_INVALID_INPUT', `profile refused:\n  ${lines.join('\n  ')}`);
}

/** Every password hash of a profile, as written, with the field path that holds it. */
function hashFields(input: unknown): Array<[string, string]> {
  const p = (input ?? {}) as { rootPasswordHash?: unknown; users?: unknown };
  const fields: Array<[string, string]> = typeof p.rootPasswordHash === 'string' ? [['rootPasswordHash', p.rootPasswordHash]] : [];
  if (Array.isArray(p.users)) {
    p.users.forEach((u: { passwordHash?: unknown } | null, i) => {
      if (typeof u?.passwordHash === 'string') fields.push([`users.${i}.passwordHash`, u.passwordHash]);
    });
  }
  return fields;
}

/** distro, release and arch as written, when all three pass their own schema (arch has a default). */
function catalogNames(input: unknown): Pick<Profile, 'distro' | 'release' | 'arch'> | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const raw = input as Record<string, unknown>;
  const names = profileSchema.pick({ distro: true, release: true, arch: true }).safeParse({ distro: raw.distro, release: raw.release, arch: raw.arch });
  return names.success ? names.data : undefined;
}

/** A profile as an operator wrote it: plain crypt hashes, nothing sealed.
 *  Schema, catalog and hash problems are gathered and refused together, so
 *  one round trip shows the operator every field to fix. */
export function validateProfile(input: unknown): CheckedProfile {
  const errors: string[] = [];
  const warnings: string[] = [];
  const result = profileSchema.safeParse(input, { reportInput: false });
  if (!result.success) errors.push(...result.error.issues.map((i) => `${i.path.join('.') || '(profile)'}: ${i.message}`));
  // The catalog is checked even when other fields failed, from the raw names,
  // so a wrong release is reported in the same round trip as a bad timezone.
  const names = result.success ? result.data : catalogNames(input);
  let entry;
  if (names) {
    try {
      entry = catalogEntry(names.distro, names.release, names.arch);
    } catch (err) {
      errors.push(`distro/release/arch: ${(err as Error).message}`);
    }
  }
  for (const [field, hash] of hashFields(input)) {
    const verdict = judgeHash(hash);
    if (verdict.error) errors.push(`${field}: ${verdict.error}`);
    if (verdict.warning) warnings.push(`${field}: ${verdict.warning}`);
    const unsupported = verdict.format && entry && unsupportedBy(verdict.format, entry.cryptFormats, `${entry.distro} ${entry.release}`);
    if (unsupported) errors.push(`${field}: ${unsupported}`);
  }
  if (!result.success || !entry) refuse(errors);
  const p = result.data;
  const disks = p.partitioning.scheme === 'raid1' ? 2 : 1;
  if (p.diskPolicy === 'serial' && p.diskSerials.length !== disks)
    errors.push(`diskSerials: diskPolicy serial with the ${p.partitioning.scheme} scheme needs ${disks} serial(s), got ${p.diskSerials.length}`);
  if (p.diskPolicy !== 'serial' && p.diskSerials.length > 0) errors.push('diskSerials: only used with diskPolicy serial');
  if (p.users.some((u, i) => p.users.findIndex((v) => v.name === u.name) !== i)) errors.push('users: a user name is listed twice');
  if (errors.length > 0) refuse(errors);
  return { profile: p, warnings };
}

export function parseProfile(input: unknown): Profile {
  return validateProfile(input).profile;
}

/** A definition read back from dploy_profiles: hashes are sealed, so only the schema applies. */
export function readStoredProfile(json: string): Profile {
  const result = profileSchema.safeParse(JSON.parse(json));
  if (!result.success)
    throw new DployError(
      'DPLOY_ERR_CONFIG',
      `a stored profile no longer matches the schema (${result.error.issues[0]?.path.join('.')}); re-add it with dploy profiles add --replace`,
    );
  return result.data;
}

function mapHashes(p: Profile, f: (hash: string) => string): Profile {
  return {
    ...p,
    ...(p.rootPasswordHash ? { rootPasswordHash: f(p.rootPasswordHash) } : {}),
    users: p.users.map((u) => (u.passwordHash ? { ...u, passwordHash: f(u.passwordHash) } : u)),
  };
}

export function sealProfile(p: Profile, box: SecretBox): Profile {
  return mapHashes(p, (hash) => (isSealed(hash) ? hash : box.seal(hash)));
}

export function openProfile(p: Profile, box: SecretBox): Profile {
  return mapHashes(p, (hash) => (isSealed(hash) ? box.open(hash) : hash));
}

/** For show/list/JSON: password hashes are never printed, sealed or not. */
export function maskProfile(p: Profile): Profile {
  return mapHashes(p, () => HIDDEN_HASH);
}

const HIDDEN_HASH = '(set, hidden)';

/**
 * An edited profile as it came back from a form that showed it masked: a hash
 * still reading "(set, hidden)" keeps the stored one (the root's, or the
 * user's of the same name). `stored` is the opened profile.
 */
export function keepHiddenHashes(edited: unknown, stored: Profile): unknown {
  if (typeof edited !== 'object' || edited === null || Array.isArray(edited)) return edited;
  const input = { ...(edited as Record<string, unknown>) };
  if (input.rootPasswordHash === HIDDEN_HASH) input.rootPasswordHash = stored.rootPasswordHash;
  if (Array.isArray(input.users)) {
    input.users = input.users.map((user: unknown) => {
      const u = user as Record<string, unknown> | null;
      if (!u || u.passwordHash !== HIDDEN_HASH) return user;
      return { ...u, passwordHash: stored.users.find((s) => s.name === u.name)?.passwordHash };
    });
  }
  return input;
}
