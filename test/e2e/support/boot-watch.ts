// Watches a booting VM through dploy's own job log: the installer's GET of
// /answers/<token> is the "answer-fetched" event, the preseed's early_command
// POST is "started". Fails early when qemu dies or the static decoy config
// was booted, and at the deadline otherwise.

import { existsSync, readFileSync } from 'node:fs';
import type { DploySite } from './dploy-site.js';
import type { BootingMachine } from './qemu-machine.js';

export interface CallbackTimes {
  answerFetchedAfterS: number;
  startedAfterS: number;
}

export async function waitForInstallerCallbacks(o: {
  site: DploySite;
  jobId: number;
  vm: BootingMachine;
  dployLog: string;
  timeoutMs: number;
}): Promise<CallbackTimes> {
  const deadline = o.vm.startedAt + o.timeoutMs;
  const seconds = () => Math.round((Date.now() - o.vm.startedAt) / 100) / 10;
  let answerFetchedAfterS: number | undefined;
  for (;;) {
    const events = await o.site.jobEvents(o.jobId);
    if (answerFetchedAfterS === undefined && events.some((e) => /answer file served/.test(e.message ?? ''))) answerFetchedAfterS = seconds();
    if (events.some((e) => /debian-installer read the preseed/.test(e.message ?? ''))) {
      return { answerFetchedAfterS: answerFetchedAfterS ?? seconds(), startedAfterS: seconds() };
    }
    if (o.vm.process.child.exitCode !== null) throw new Error(`qemu exited with ${o.vm.process.child.exitCode} after ${seconds()} s`);
    if (/decoy-static-config-was-used/.test(readFileSync(o.dployLog, 'utf8')))
      throw new Error("the VM booted the static decoy config, not dploy's live per-MAC entry");
    if (Date.now() > deadline) {
      throw new Error(
        `no ${answerFetchedAfterS === undefined ? 'answer-fetched' : '"started"'} event within ${o.timeoutMs / 1000} s of qemu starting; events: ${JSON.stringify(events)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

/** The last lines of each log, terminal escapes removed, for a failure report. */
export function logTails(logs: Record<string, string>, lines = 40): string {
  return Object.entries(logs)
    .map(([name, file]) => {
      const text = existsSync(file) ? readFileSync(file, 'latin1') : '(no file)';
      // eslint-disable-next-line no-control-regex
      const clean = text
        .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>c78]/g, '')
        .replace(/\r/g, '\n')
        .split('\n')
        .filter((l) => l.trim());
      return `--- ${name}: ${file} (last ${lines} lines)\n${clean.slice(-lines).join('\n')}`;
    })
    .join('\n');
}

export interface TftpServed {
  path: string;
  route: string;
  client: string;
}

/**
 * The files dploy's TFTP sent in full, from its debug log ("tftp transfer
 * completed" with path, route and client): the proof of which loader and
 * which entry a VM read. SeaBIOS's serial console is no such proof: its
 * sercon_putchar gives up on a character when the UART is not ready within
 * 10 ms, which a loaded host makes happen (a CI run lost pxelinux's banner).
 */
export function tftpServed(dployLog: string): TftpServed[] {
  const served: TftpServed[] = [];
  for (const line of readFileSync(dployLog, 'utf8').split('\n')) {
    if (!line.includes('tftp transfer completed')) continue;
    const entry = JSON.parse(line) as { msg: string; path: string; route: string; client: string };
    if (entry.msg === 'tftp transfer completed')
      served.push({ path: entry.path.replace(/^\/+/, ''), route: entry.route, client: entry.client.replace(/:\d+$/, '') });
  }
  return served;
}
