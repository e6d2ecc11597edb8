// Where and as whom dploy logs in to run a command. Secrets are plain here,
// only in memory for one connection; at rest they are sealed (remote-access store).

export type SshAuth =
  | { password: string }
  | { privateKey: string; passphrase?: string };

export interface SshTarget {
  /** Address or name the machine answers SSH on. */
  address: string;
  port: number;
  user: string;
  auth: SshAuth;
}

/** "root@web01:22", for logs and messages: never a secret. */
export function describeTarget(t: Pick<SshTarget, 'address' | 'port' | 'user'>): string {
  return `${t.user}@${t.address}:${t.port}`;
}
