// Where and as whom dploy logs in to run a command. Secrets are plain here,
// only in memory for one connection; at rest they are sealed (store/remote-access.ts).

export type SshAuth = { password: string } | { privateKey: string; passphrase?: string };

export interface SshTarget {
  /** Address or name the machine answers SSH on. */
  address: string;
  port: number;
  user: string;
  auth: SshAuth;
}
