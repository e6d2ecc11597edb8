// Job kind registry: one line per kind. A new kind (restore, image,
// firmware) joins with one line here; the runner needs no change for it.

import { DployError } from '../../errors.js';
import { TERMINAL_STATES, type JobKind } from '../../model/job.js';
import { withCheckedMoves, type JobKindSpec, type JobTimeouts } from '../job-kind.js';
import { commandKind, type RemoteSettings } from './command.js';
import { discoverKind } from './discover.js';
import { forgetKind } from './forget.js';
import { imageKind, type ImageSettings } from './image.js';
import { installKind, type InstallCheck } from './install.js';
import { localbootKind } from './localboot.js';
import { rebuildKind } from './rebuild.js';
import { restoreKind } from './restore.js';
import { powerKinds, type PowerHook } from './power.js';
import { withBmcBoot } from './power-boot.js';

export type JobKinds = ReadonlyMap<JobKind, JobKindSpec>;

export interface KindHooks {
  /** Checked when an install job opens: one that can never install fails at once, with the reason. */
  installCheck?: InstallCheck;
  /** SSH commands; without it the command kind is not offered. */
  remote?: RemoteSettings;
  /** Image capture over SSH into the image store; without it the image kind is not offered. */
  images?: ImageSettings;
  /** images.mondoNetfs: where mindi finds a Mondo image's ISOs; empty or absent, a Mondo image's restore is refused. */
  mondoNetfs?: string;
  /** Reaches hosts' BMCs: power-* tasks, and install/discover boot without a person. */
  power?: PowerHook;
}

export function jobKinds(timeouts: JobTimeouts, hooks: KindHooks = {}): JobKinds {
  const kinds: Array<readonly [JobKind, JobKindSpec]> = [
    ['discover', withBmcBoot(discoverKind(timeouts), hooks.power)],
    ['install', withBmcBoot(installKind(timeouts, hooks.installCheck), hooks.power)],
    ['restore', withBmcBoot(restoreKind(timeouts, hooks.mondoNetfs), hooks.power)],
    ['localboot', localbootKind()],
    ['forget', forgetKind()],
    ...(hooks.remote ? [['command', commandKind(hooks.remote)] as const] : []),
    ...(hooks.images ? [['image', imageKind(hooks.images)] as const, ['rebuild', rebuildKind(timeouts, hooks.images, hooks.installCheck)] as const] : []),
    ...powerKinds(hooks.power),
  ];
  return new Map(kinds.map(([kind, spec]) => [kind, withCheckedMoves(spec)]));
}

export function kindSpec(kinds: JobKinds, kind: string): JobKindSpec {
  const spec = kinds.get(kind as JobKind);
  if (!spec) throw new DployError('DPLOY_ERR_INVALID_INPUT', `task "${kind}" is not supported by this dploy yet (supported: ${[...kinds.keys()].join(', ')})`);
  return spec;
}

/** States in which the runner has work to do, over every kind. */
export function actionableStates(kinds: JobKinds): string[] {
  const states = new Set<string>();
  for (const spec of kinds.values()) for (const [name, state] of Object.entries(spec.states)) if (state.run) states.add(name);
  return [...states];
}

/** Every state a job of each kind can be in, the ended ones included: the series /metrics shows even at zero. */
export function kindStates(kinds: JobKinds): Array<{ kind: JobKind; state: string }> {
  return [...kinds].flatMap(([kind, spec]) => [...new Set([...Object.keys(spec.states), ...TERMINAL_STATES])].map((state) => ({ kind, state })));
}
