// One command on one machine over SSH (ssh-session.ts): run, stream the output
// through a size cap, and at the deadline kill the remote process (signal
// KILL, then close the channel) so nothing keeps running behind the job.

import { DployError } from '../errors.js';
import type { HostKeyPins } from './host-key-trust.js';
import { OutputCap, type CappedOutput } from './output-cap.js';
import { openSession } from './ssh-session.js';
import type { SshTarget } from './ssh-target.js';

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
  const started = Date.now();
  const cap = new OutputCap(o.capBytes);
  const session = await openSession(target, o);
  const channel = await session.exec(command).catch((err: unknown) => {
    session.close();
    throw err;
  });
  return new Promise<CommandResult>((resolve) => {
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      channel.signal('KILL');
      // A server that ignores signal requests (OpenSSH before 7.9) still loses the channel.
      setTimeout(() => channel.close(), 1000).unref();
    }, o.deadlineMs);
    const take = (chunk: Buffer) => {
      cap.push(chunk);
      o.onOutput?.(chunk);
    };
    channel.on('data', take);
    channel.stderr.on('data', take);
    channel.on('close', (code: number | null, signal?: string) => {
      clearTimeout(deadline);
      session.close();
      resolve({ exitCode: timedOut ? null : (code ?? null), ...(signal ? { signal } : {}), timedOut, output: cap.result(), ms: Date.now() - started });
    });
  });
}

/** The error a finished command stands for, or undefined when it succeeded. */
export function commandFailure(who: string, r: CommandResult, deadlineMs: number): DployError | undefined {
  if (r.timedOut) return new DployError('DPLOY_ERR_SSH_TIMEOUT', `${who}: command killed at its ${Math.round(deadlineMs / 1000)} s deadline`);
  if (r.exitCode === 0) return undefined;
  const how = r.exitCode === null ? `ended by signal ${r.signal ?? 'unknown'}` : `exited with status ${r.exitCode}`;
  return new DployError('DPLOY_ERR_SSH_EXIT_STATUS', `${who}: command ${how}`);
}
