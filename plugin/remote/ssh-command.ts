// One command on one machine over SSH (ssh2): connect with the target's
// password or key, verify the host key against its pin, run, stream the output
// through a size cap, and at the deadline kill the remote process (signal
// KILL, then close the channel) so nothing keeps running behind the job.

import ssh2 from 'ssh2';
import { DployError } from '../errors.js';
import { checkHostKey, type HostKeyPins } from './host-key-trust.js';
import { OutputCap, type CappedOutput } from './output-cap.js';
import { checkPrivateKey } from './private-key.js';
import { describeTarget, type SshTarget } from './ssh-target.js';

const { Client } = ssh2;

export interface CommandOptions {
  pins: HostKeyPins;
  /** From the command's start; the remote process is killed when it passes. */
  deadlineMs: number;
  /** Output kept (head and tail); the middle beyond it is dropped and counted. */
  capBytes: number;
  /** Connecting and logging in, separately from the command's own deadline. */
  connectTimeoutMs?: number;
  /** Every chunk as it arrives, stdout and stderr alike (the job log). */
  onOutput?: (chunk: Buffer) => void;
  /** Told once when a host key is pinned on first use. */
  onFirstUse?: (fingerprint: string) => void;
}

export interface CommandResult {
  /** null when the process ended by a signal or was killed at the deadline. */
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  output: CappedOutput;
  ms: number;
}

export async function runCommand(target: SshTarget, command: string, o: CommandOptions): Promise<CommandResult> {
  const who = describeTarget(target);
  const endpoint = `${target.address}:${target.port}`;
  if ('privateKey' in target.auth) checkPrivateKey(target.auth.privateKey, target.auth.passphrase, who);
  const started = Date.now();
  const cap = new OutputCap(o.capBytes);
  const conn = new Client();
  let hostKeyRefusal: DployError | undefined;
  let hostKeyFailure: unknown;

  return new Promise<CommandResult>((resolve, reject) => {
    let settled = false;
    const fail = (err: DployError) => {
      if (settled) return;
      settled = true;
      conn.end();
      reject(err);
    };
    conn.on('error', (err: Error & { level?: string }) => fail(classify(err, who, hostKeyRefusal, hostKeyFailure)));
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) return fail(new DployError('DPLOY_ERR_SSH_CONNECTION', `${who}: the command could not start: ${err.message}`, { cause: err }));
        let timedOut = false;
        const deadline = setTimeout(() => {
          timedOut = true;
          stream.signal('KILL');
          // A server that ignores signal requests (OpenSSH before 7.9) still loses the channel.
          setTimeout(() => stream.close(), 1000).unref();
        }, o.deadlineMs);
        const take = (chunk: Buffer) => {
          cap.push(chunk);
          o.onOutput?.(chunk);
        };
        stream.on('data', take);
        stream.stderr.on('data', take);
        stream.on('close', (code: number | null, signal?: string) => {
          clearTimeout(deadline);
          settled = true;
          conn.end();
          resolve({ exitCode: timedOut ? null : (code ?? null), ...(signal ? { signal } : {}), timedOut, output: cap.result(), ms: Date.now() - started });
        });
      });
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

/** The error a finished command stands for, or undefined when it succeeded. */
export function commandFailure(who: string, r: CommandResult, deadlineMs: number): DployError | undefined {
  if (r.timedOut) return new DployError('DPLOY_ERR_SSH_TIMEOUT', `${who}: command killed at its ${Math.round(deadlineMs / 1000)} s deadline`);
  if (r.exitCode === 0) return undefined;
  const how = r.exitCode === null ? `ended by signal ${r.signal ?? 'unknown'}` : `exited with status ${r.exitCode}`;
  return new DployError('DPLOY_ERR_SSH_EXIT_STATUS', `${who}: command ${how}`);
}
