// "Reboot into the job" for a machine with SSH access and no BMC: after the
// boot state is set, ask the running OS to reboot so it network-boots into
// the job. The reboot is detached and delayed, so the SSH session closes
// cleanly first and dploy reads an exit status instead of a dropped connection.

import { DployError } from '../errors.js';
import type { HostKeyPins } from './host-key-trust.js';
import { commandFailure, runCommand } from './ssh-command.js';
import { describeTarget, type SshTarget } from './ssh-target.js';

/** systemd first; sysvinit and busybox (mindi) otherwise. A non-root login needs passwordless sudo. */
export const REBOOT_COMMAND = 'systemctl reboot || shutdown -r now || reboot';

export interface RebootOptions {
  pins: HostKeyPins;
  /** What to run instead of REBOOT_COMMAND (a site's own, or a test's harmless one). */
  command?: string;
  delaySeconds?: number;
  connectTimeoutMs?: number;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Resolves with the words for the job's event once the reboot is scheduled on the machine. */
export async function rebootOverSsh(target: SshTarget, o: RebootOptions): Promise<string> {
  const delay = o.delaySeconds ?? 2;
  const action = o.command ?? REBOOT_COMMAND;
  const sudo = target.user === 'root' || o.command ? '' : 'sudo -n ';
  const detached = `nohup ${sudo}sh -c ${shellQuote(`sleep ${delay}; ${action}`)} >/dev/null 2>&1 &`;
  const who = describeTarget(target);
  const result = await runCommand(target, detached, {
    pins: o.pins,
    deadlineMs: 15_000,
    capBytes: 4096,
    ...(o.connectTimeoutMs ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
  });
  const failure = commandFailure(who, result, 15_000);
  if (failure) throw new DployError(failure.code, `reboot over SSH: ${failure.message}${result.output.text ? `: ${result.output.text.trim()}` : ''}`);
  return `reboot requested over SSH on ${who} (in ${delay} s)`;
}
