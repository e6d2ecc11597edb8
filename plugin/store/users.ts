// dploy_users: the console's local accounts. Passwords arrive in clear from
// the CLI's stdin or the login form and leave only as scrypt hashes.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { isRole, ROLES, type Role } from '../model/role.js';
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from './password-hash.js';

interface UserRow {
  id: number;
  name: string;
  role: string;
  password_hash: string;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface User {
  id: number;
  name: string;
  role: Role;
  createdAt: Date;
}

const NAME = /^[a-z][a-z0-9._-]{0,63}$/;
/** NIST SP 800-63B: at least 8 characters, no composition rules; the upper bound keeps scrypt's input sane. */
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 1024;

function userFromRow(row: UserRow): User {
  return { id: Number(row.id), name: row.name, role: isRole(row.role) ? row.role : 'viewer', createdAt: new Date(row.created_at) };
}

export function checkRole(role: string): Role {
  if (!isRole(role)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `unknown role "${role.slice(0, 40)}" (one of ${ROLES.join(', ')})`);
  return role;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN) throw new DployError('DPLOY_ERR_INVALID_INPUT', `a password needs at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw new DployError('DPLOY_ERR_INVALID_INPUT', `a password may have at most ${PASSWORD_MAX} characters`);
}

export async function addUser(db: EntityManager, name: string, role: string, password: string, now = new Date()): Promise<User> {
  if (!NAME.test(name))
    throw new DployError(
      'DPLOY_ERR_INVALID_INPUT',
      `user name "${name.slice(0, 80)}": lower-case letters, digits, ".", "_", "-", starting with a letter, 64 at most`,
    );
  const checked = checkRole(role);
  checkPassword(password);
  const users = db.getRepository<UserRow>('User');
  if (await users.findOneBy({ name })) throw new DployError('DPLOY_ERR_CONFLICT', `a user named ${name} already exists`);
  const row = { name, role: checked, password_hash: await hashPassword(password), created_at: now, updated_at: now };
  const result = await users.insert(row);
  return userFromRow({ ...row, id: Number(result.identifiers[0]?.id) });
}

export async function listUsers(db: EntityManager): Promise<User[]> {
  return (await db.getRepository<UserRow>('User').find({ order: { name: 'ASC' } })).map(userFromRow);
}

export async function getUser(db: EntityManager, name: string): Promise<User> {
  const row = await db.getRepository<UserRow>('User').findOneBy({ name });
  if (!row) throw new DployError('DPLOY_ERR_NOT_FOUND', `no user "${name.slice(0, 80)}" (dploy users list)`);
  return userFromRow(row);
}

export async function removeUser(db: EntityManager, name: string): Promise<void> {
  const user = await getUser(db, name);
  // Their sessions go with them (ON DELETE CASCADE).
  await db.getRepository<UserRow>('User').delete({ id: user.id });
}

/** A new password ends every session the user had: whoever knew the old one is logged out. */
export async function setPassword(db: EntityManager, name: string, password: string, now = new Date()): Promise<void> {
  checkPassword(password);
  const user = await getUser(db, name);
  await db.getRepository<UserRow>('User').update({ id: user.id }, { password_hash: await hashPassword(password), updated_at: now });
  await db.getRepository('Session').delete({ user_id: user.id });
}

/** The user when name and password match; an unknown name costs the same scrypt as a wrong password. */
export async function checkLogin(db: EntityManager, name: string, password: string): Promise<User | undefined> {
  const row = NAME.test(name) ? await db.getRepository<UserRow>('User').findOneBy({ name }) : null;
  const ok = await verifyPassword(password.slice(0, PASSWORD_MAX), row?.password_hash ?? UNKNOWN_USER_HASH);
  return row && ok ? userFromRow(row) : undefined;
}
