// `dploy migrate` with platform sim: dploy's tools in SIM, added when missing
// and modified when their definition changed, so a second run changes
// nothing. An add skips a name already taken (6.3 CLI Guide p. 113), so a
// changed tool needs `mxtool -m`.

import type { MxCli } from './mx-cli.js';
import { readNodeList } from './node-list.js';
import { cmsOf, requireMxCommands, type SimSettings } from './sim-settings.js';
import { dployTools, readToolList, writeToolList, type SimTool } from './tool-list.js';

export interface SimToolPlan {
  add: SimTool[];
  modify: SimTool[];
  unchanged: string[];
  /** What SIM's node list holds now, as a sign the CLI answers as dploy expects. */
  systems: number;
}

/**
 * Refuses before anything changes when the mx commands are missing or print
 * XML that is not the node-list and tool-list of the DTDs dploy was written
 * for: no command of SIM's prints its version (none in the guides read), so
 * the documents dploy reads are what it checks.
 */
export async function planSimTools(cli: MxCli, settings: SimSettings): Promise<SimToolPlan> {
  await requireMxCommands(settings);
  const systems = readNodeList(await cli.run('mxnode', ['-lf'])).length;
  const existing = new Map(readToolList(await cli.run('mxtool', ['-lf'])).map((t) => [t.name, t]));
  const plan: SimToolPlan = { add: [], modify: [], unchanged: [], systems };
  for (const tool of dployTools(settings.toolCommand, cmsOf(settings))) {
    const now = existing.get(tool.name);
    if (!now) plan.add.push(tool);
    else if (now.command !== tool.command || now.description !== tool.description || now.executionSystem !== tool.executionSystem) plan.modify.push(tool);
    else plan.unchanged.push(tool.name);
  }
  return plan;
}

/** The tool definition files the plan would hand to mxtool, for --dry-run. */
export function planFiles(plan: SimToolPlan): Array<{ args: string; xml: string }> {
  return [
    ...(plan.add.length ? [{ args: 'mxtool -af dploy-tools.xml', xml: writeToolList(plan.add) }] : []),
    ...(plan.modify.length ? [{ args: 'mxtool -m -f dploy-tools.xml', xml: writeToolList(plan.modify) }] : []),
  ];
}

export async function registerSimTools(cli: MxCli, plan: SimToolPlan): Promise<string[]> {
  const done: string[] = [];
  if (plan.add.length) {
    await cli.withFile('dploy-tools.xml', writeToolList(plan.add), (file) => cli.run('mxtool', ['-af', file]));
    done.push(...plan.add.map((t) => `added tool "${t.name}"`));
  }
  if (plan.modify.length) {
    await cli.withFile('dploy-tools.xml', writeToolList(plan.modify), (file) => cli.run('mxtool', ['-m', '-f', file]));
    done.push(...plan.modify.map((t) => `updated tool "${t.name}"`));
  }
  return done;
}
