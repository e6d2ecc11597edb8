// Host keys pinned on first use (OpenSSH's known_hosts, kept in dploy's
// database): the first key a machine shows is recorded; a different key later
// is refused until an operator accepts it (`dploy hosts accept-key`), since a
// reinstalled machine and a machine in the middle look the same from here.

import { createHash } from 'node:crypto';

/** The pinned keys, by "address:port". Implemented over dploy_ssh_host_keys. */
export interface HostKeyPins {
  pinned(endpoint: string): Promise<string | undefined>;
  pin(endpoint: string, fingerprint: string): Promise<void>;
  /** Remembers the key a machine offered and was refused, for the operator to accept. */
  refused?(endpoint: string, offered: string): Promise<void>;
}

/** OpenSSH's fingerprint form ("SHA256:" + unpadded base64), so it compares with `ssh-keygen -lf`. */
export function fingerprintOf(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict = { ok: true; firstUse: boolean; fingerprint: string } | { ok: false; fingerprint: string; pinned: string };

export async function checkHostKey(pins: HostKeyPins, endpoint: string, rawKey: Buffer): Promise<HostKeyVerdict> {
  const fingerprint = fingerprintOf(rawKey);
  const pinned = await pins.pinned(endpoint);
  if (pinned === undefined) {
    await pins.pin(endpoint, fingerprint);
    return { ok: true, firstUse: true, fingerprint };
  }
  if (pinned === fingerprint) return { ok: true, firstUse: false, fingerprint };
  await pins.refused?.(endpoint, fingerprint);
  return { ok: false, fingerprint, pinned };
}

/** In-memory pins, for one-off commands with no database (tests, `dploy` without a store). */
export function memoryPins(): HostKeyPins & { all: Map<string, string> } {
  const all = new Map<string, string>();
  return {
    all,
    pinned: async (e) => all.get(e),
    pin: async (e, f) => {
      if (!all.has(e)) all.set(e, f);
    },
  };
}
