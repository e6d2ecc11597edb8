// Every DHCP server validates a whole configuration, not a fragment, so each
// provider writes a minimal wrapper config that includes the file under test
// into a private temporary directory, runs the server's test mode on it and
// removes the directory again, whatever happened. The directory sits next to
// the file, not in /tmp: Debian's AppArmor profiles confine dhcpd and
// kea-dhcp4 (test mode too) to the directories the admin opened for them.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DployError } from '../errors.js';
import { shown } from './host-entries.js';
import { runServerCommand, verdictLines } from './server-command.js';

export interface ValidatorRun {
  /** Debian package that ships the program, for the operator's apt-get line. */
  debianPackage: string;
  /** File name → content, written into the temporary directory; `{dir}` is replaced in contents too. */
  files: Record<string, string>;
  /** A file in `files` that is a translated copy of the file under test: named as that file in the verdict. */
  standIn?: string;
  /** argv; `{dir}` is replaced by the temporary directory. */
  argv: string[];
}

/** Paths end up inside the wrapper's quoted include statement. */
export function checkIncludablePath(path: string): string {
  if (/["\\\n\r,]/.test(path)) {
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `DHCP file path ${shown(path)} contains a quote, backslash, comma or newline`);
  }
  return path;
}

export async function runValidator(path: string, run: ValidatorRun): Promise<void> {
  const dir = await mkdtemp(join(dirname(path), '.dploy-check-'));
  try {
    for (const [name, content] of Object.entries(run.files)) await writeFile(join(dir, name), content.replaceAll('{dir}', dir));
    const argv = run.argv.map((arg) => arg.replaceAll('{dir}', dir));
    const outcome = await runServerCommand(argv);
    if (outcome.missing) {
      throw new DployError('DPLOY_ERR_CONFIG', `cannot validate ${path}: ${argv[0]} is not installed (apt-get install -y ${run.debianPackage})`);
    }
    if (!outcome.ok) {
      const output = run.standIn === undefined ? outcome.output : outcome.output.replaceAll(join(dir, run.standIn), path);
      throw new DployError('DPLOY_ERR_DHCP_REJECTED', `${argv[0]} rejected ${path}:\n${verdictLines(output)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
