// SIM's command line, as dploy calls it: mxnode, mxtool and mxexec run with
// execFile (never through a shell), each under a timeout, their failures
// sorted by what the operator has to do. An XML input goes through a private
// temporary file, since the mx commands read it only with -f (mxnode(1M),
// mxtool(1M)).

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DployError } from '../../errors.js';

export type MxCommand = 'mxnode' | 'mxtool' | 'mxexec';

export interface MxCli {
  /** Runs an mx command and returns its stdout; throws a classified DployError. */
  run(command: MxCommand, args: readonly string[]): Promise<string>;
  /** Runs `body` with `xml` in a file only dploy's user can read, removed afterwards. */
  withFile<T>(name: string, xml: string, body: (path: string) => Promise<T>): Promise<T>;
}

export interface MxCliOptions {
  /** Where the mx commands are; empty: found on PATH, as on a CMS where SIM's installer put them there. */
  binDir: string;
  timeoutMs: number;
}

const MAX_OUTPUT = 64 * 2 ** 20;

export function createMxCli(options: MxCliOptions): MxCli {
  const pathOf = (command: MxCommand) => (options.binDir ? join(options.binDir, command) : command);
  return {
    run: (command, args) =>
      new Promise((resolve, reject) => {
        execFile(pathOf(command), args, { timeout: options.timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
          if (err) reject(classify(command, args, err, stderr));
          else resolve(stdout);
        });
      }),
    async withFile(name, xml, body) {
      const dir = await mkdtemp(join(tmpdir(), 'dploy-sim-'));
      try {
        const path = join(dir, name);
        await writeFile(path, xml, { mode: 0o600 });
        return await body(path);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

interface ExecError extends Error {
  code?: string | number | null;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
}

/** Missing command, out of time, or SIM refused: by the error's code and signal, never by its wording. */
export function classify(command: MxCommand, args: readonly string[], err: ExecError, stderr: string): DployError {
  const shown = `${command} ${args.join(' ')}`;
  if (err.code === 'ENOENT' || err.code === 'EACCES')
    return new DployError(
      'DPLOY_ERR_SIM_UNAVAILABLE',
      `${command} cannot be run (${err.code}): run dploy on SIM's CMS, or set sim.binDir to the folder of SIM's mx commands`,
      { cause: err },
    );
  if (err.killed && err.signal)
    return new DployError('DPLOY_ERR_SIM_TIMEOUT', `${shown} did not finish in time (killed with ${err.signal}); see sim.timeoutSeconds`, { cause: err });
  const said = stderr.trim().slice(0, 2000) || err.message;
  return new DployError('DPLOY_ERR_SIM_REFUSED', `${shown} failed: ${said}`, { cause: err });
}
