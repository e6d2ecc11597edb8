// One logged-in SSH connection (ssh2) on which several commands run in turn:
// connect with the target's password or key, verify the host key against its
// pin, and classify a failure into the SSH error codes. A single command
// (ssh-command.ts) and an image capture (a probe, then one tar stream per
// filesystem) both open their connection here.

import ssh2, { type ClientChannel } from 'ssh2';
import { DployError } from '../errors.js';
import { checkHostKey, type HostKeyPins } from './host-key-trust.js';
import { checkPrivateKey } from './private-key.js';
import { describeTarget, type SshTarget } from './ssh-target.js';

const { Client } = ssh2;

export interface SessionOptions {
  pins: HostKeyPins;
  /** Connecting and logging in. */
  connectTimeoutMs?: number;
  /** Told once when a host key is pinned on first use. */
  onFirstUse?: (fingerprint: string) => void;
}

export interface SshSession {
  /** "root@web01:22", for messages. */
  who: string;
  /** Starts a command; its stdout is the channel, its stderr `channel.stderr`. */
  exec(command: string): Promise<ClientChannel>;
  /** A failure of the connection after login (reset, closed by the peer), or undefined. */
  failure(): DployError | undefined;
  close(): void;
}

export async function openSession(target: SshTarget, o: SessionOptions): Promise<SshSession> {
  const who = describeTarget(target);
  const endpoint = `${target.address}:${target.port}`;
  if ('privateKey' in target.auth) checkPrivateKey(target.auth.privateKey, target.auth.passphrase, who);
  const conn = new Client();
  let hostKeyRefusal: DployError | undefined;
  let hostKeyFailure: unknown;
  let lateFailure: DployError | undefined;

  await new Promise<void>((resolve, reject) => {
    let ready = false;
    conn.on('error', (err: Error & { level?: string }) => {
      const failure = classify(err, who, hostKeyRefusal, hostKeyFailure);
      if (ready) lateFailure = failure;
      else {
        conn.end();
        reject(failure);
      }
    });
    conn.on('ready', () => {
      ready = true;
      resolve();
    });
    conn.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      ...('password' in target.auth
        ? { password: target.auth.password }
        : { privateKey: target.auth.privateKey, ...(target.auth.passphrase !== undefined ? { passphrase: target.auth.passphrase } : {}) }),
      readyTimeout: o.connectTimeoutMs ?? 20_000,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        checkHostKey(o.pins, endpoint, key).then(
          (v) => {
            if (v.ok && v.firstUse) o.onFirstUse?.(v.fingerprint);
            // The way out first: the console's status keeps only 255 characters.
            if (!v.ok)
              hostKeyRefusal = new DployError(
                'DPLOY_ERR_SSH_HOST_KEY',
                `${who}: host key changed; if the machine was reinstalled: dploy hosts accept-key ${endpoint} (pinned ${v.pinned}, offered ${v.fingerprint})`,
              );
            verify(v.ok);
          },
          (err: unknown) => {
            hostKeyFailure = err;
            verify(false);
          },
        );
      },
    });
  });

  return {
    who,
    exec: (command) =>
      new Promise((resolve, reject) =>
        conn.exec(command, (err, channel) =>
          err ? reject(new DployError('DPLOY_ERR_SSH_CONNECTION', `${who}: the command could not start: ${err.message}`, { cause: err })) : resolve(channel),
        ),
      ),
    failure: () => lateFailure,
    close: () => conn.end(),
  };
}

function classify(err: Error & { level?: string }, who: string, hostKey: DployError | undefined, hostKeyFailure: unknown): DployError {
  if (hostKey) return hostKey;
  // The pin store itself failed (database down): retryable like any connection problem.
  if (hostKeyFailure)
    return new DployError('DPLOY_ERR_SSH_CONNECTION', `${who}: could not check the host key: ${(hostKeyFailure as Error).message}`, { cause: hostKeyFailure });
  if (err.level === 'client-authentication') return new DployError('DPLOY_ERR_SSH_AUTH', `${who}: login refused (wrong user, password or key)`, { cause: err });
  if (err.level === 'client-timeout') return new DployError('DPLOY_ERR_SSH_CONNECTION', `${who}: no SSH handshake within the connect timeout`, { cause: err });
  return new DployError('DPLOY_ERR_SSH_CONNECTION', `${who}: ${err.message}`, { cause: err });
}
