// The SIM provider's configuration slice, and the mx command line it builds.

import { access, constants } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { DployError } from '../../errors.js';
import { createMxCli, type MxCli, type MxCommand } from './mx-cli.js';

export interface SimSettings {
  binDir: string;
  timeoutSeconds: number;
  toolCommand: string;
  cms: string;
}

export const SIM_DEFAULTS: SimSettings = { binDir: '', timeoutSeconds: 120, toolCommand: 'dploy sim-task', cms: '' };

export const MX_COMMANDS: readonly MxCommand[] = ['mxnode', 'mxtool', 'mxexec'];

export function mxCliOf(settings: SimSettings): MxCli {
  return createMxCli({ binDir: settings.binDir, timeoutMs: settings.timeoutSeconds * 1000 });
}

export const cmsOf = (settings: SimSettings) => settings.cms || hostname();

/** Each mx command dploy uses must be an executable file, in sim.binDir or on PATH; the error names every missing one. */
export async function requireMxCommands(settings: SimSettings, path = process.env.PATH ?? ''): Promise<void> {
  const dirs = settings.binDir ? [settings.binDir] : path.split(delimiter).filter(Boolean);
  const missing: string[] = [];
  for (const command of MX_COMMANDS) {
    const found = await Promise.any(dirs.map((d) => access(join(d, command), constants.X_OK))).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(command);
  }
  if (missing.length > 0)
    throw new DployError(
      'DPLOY_ERR_SIM_UNAVAILABLE',
      `HP SIM's ${missing.join(', ')} not found ${settings.binDir ? `in sim.binDir (${settings.binDir})` : 'on PATH'}: run dploy on SIM's CMS, or set sim.binDir (docs/sim.md)`,
    );
}
