// Who may do what, for console users and API tokens alike. Roles are ranked:
// each one may do everything the one below it may (docs/console.md's table).

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route asks of its caller, and the lowest role that may do it. */
export const PERMISSIONS = {
  /** Hosts, jobs with their events, profiles (hashes masked), groups. */
  read: 'viewer',
  /** BMC addresses and the links to BMC web pages: the way in to a machine's console and power. */
  'see-bmc': 'operator',
  'set-task': 'operator',
  /** Add a machine by hand, or forget one so that discovery starts again. */
  'edit-hosts': 'operator',
  'cancel-job': 'operator',
  'edit-profile': 'operator',
  /** Verify an image (reads every archive again) or remove one from the image store. */
  'manage-images': 'operator',
  'manage-tokens': 'admin',
  'read-audit': 'admin',
  /** The effective configuration, secrets masked: where the database is, who is trusted, which files hold keys. */
  'read-settings': 'admin',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function may(role: Role, permission: Permission): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(PERMISSIONS[permission]);
}
