// Runs a DHCP server's own program (its config test mode, or the admin's
// reload command) as an argv array: no shell, so nothing in a path or a
// setting is ever interpreted. Both output streams are kept: dhcpd writes its
// verdict to stderr, kea-dhcp4 to stdout, dnsmasq to both.

import { execFile } from 'node:child_process';

export interface CommandOutcome {
  ok: boolean;
  /** Exit code, or undefined when the program could not start or was killed. */
  exitCode?: number;
  /** stdout and stderr together, trimmed. */
  output: string;
  /** Set when the program is not installed (ENOENT). */
  missing: boolean;
}

const TIMEOUT_MS = 30_000;

export function runServerCommand(argv: readonly string[]): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.resolve({ ok: false, output: 'empty command', missing: false });
  return new Promise((resolve) => {
    execFile(file, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`.trim();
      if (error === null) return resolve({ ok: true, exitCode: 0, output, missing: false });
      const code = (error as NodeJS.ErrnoException).code;
      const exitCode = typeof code === 'number' ? code : undefined;
      const why = error.killed ? `killed after ${TIMEOUT_MS / 1000} s` : error.message;
      resolve({ ok: false, exitCode, output: output === '' ? why : output, missing: code === 'ENOENT' });
    });
  });
}

/**
 * The lines of a validator's output that say what is wrong, without the
 * banners (dhcpd's copyright text, Kea's INFO log lines).
 */
export function verdictLines(output: string): string {
  const lines = output.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    if (/ INFO {1,2}\[/.test(line)) return false;
    return !/^(Internet Systems Consortium|Copyright|All rights reserved|For info, please visit|If you think you have received|than a configuration issue|bugs on either our web page|before submitting a bug|process and the information|exiting\.)/.test(
      line,
    );
  });
  return lines.join('\n').slice(0, 2000);
}
