// The shape of a transition table. One table per job kind (plugin/jobs/kinds/);
// the runner and the agent endpoints only read tables, so a new kind
// (restore, image, power …) is a new file and a registry line.

import type { EntityManager } from 'typeorm';
import type { Host } from '../model/host.js';
import type { Job, JobKind } from '../model/job.js';
import type { Platform } from '../platforms/platform.js';

/** What machines and installers report (POST /agent/v1/events, inventory posts). */
/** `restoring`: the chain's post-install restore of chosen paths (agent-scripts/dploy-restore --paths) has begun or made progress. */
export const AGENT_EVENTS = ['inventory', 'answer-fetched', 'started', 'restoring', 'installed', 'failed'] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

export interface StepContext {
  /** The transaction the step's database effects and the job's move share. */
  db: EntityManager;
  job: Job;
  host: Host;
  now: Date;
  /** The host tool, for steps whose effect lives there (forget). */
  platform: Platform;
  /** What the state's `work` returned, when it has one. */
  work?: unknown;
}

/** Outside any transaction, under the job's lease: the runner's own connection, its owner name. */
export interface WorkContext {
  db: EntityManager;
  job: Job;
  host: Host;
  owner: string;
}

export interface StepResult {
  to: string;
  message: string;
  /** Stays claimable by no runner before this time (a machine waiting for its boot wave stays in its state). */
  notBefore?: Date;
  /** Runs after the job's move, in the same transaction (forget deletes the host, and the job with it). */
  after?: (db: EntityManager) => Promise<void>;
}

export interface StateSpec {
  /** Work the runner does when it holds the job in this state. Idempotent. */
  run?: (ctx: StepContext) => Promise<StepResult>;
  /**
   * Every state `run` may move the job to, terminal ones included: the table's
   * arrows, which test/unit/jobs/transition-tables.test.ts checks as a graph.
   * withCheckedMoves refuses a move outside them, so the list cannot drift from the code.
   */
  next?: readonly string[];
  /**
   * Slow work on a machine (an SSH command, a BMC action and its verification)
   * done before `run`, outside its transaction, so no database lock (SQLite's
   * single writer) is held for seconds or minutes; `run` records the result.
   * A runner killed between the two repeats it: it must be safe to repeat.
   */
  work?: (ctx: WorkContext) => Promise<unknown>;
  /**
   * This state's `work` may run beside other claimed jobs' (it only reads the database and talks to one
   * machine): a runner starts all of them at once, then writes the moves one after another.
   */
  workSideBySide?: boolean;
  /** Events accepted while in this state, and where they lead. */
  on?: Partial<Record<AgentEvent, string>>;
  /** Waiting here longer than this fails the job with timeoutMessage. */
  timeoutSeconds?: number;
  timeoutMessage?: string;
  /** Words for the console; {profile} and {image} are filled in. */
  status: string;
  /** Position in the kind's steps, for "(step 3/5)". */
  step: number;
}

export interface JobKindSpec {
  kind: JobKind;
  /** What the finished job is called in the console ("deployed rocky-9-web"). */
  doneStatus: string;
  states: Record<string, StateSpec>;
  /** Database effects of failing or cancelling (boot state back to localboot). */
  onEnd?: (db: EntityManager, job: Job) => Promise<void>;
}

export interface JobTimeouts {
  /** From boot state set to the machine showing up (answer file fetched, inventory posted). */
  bootSeconds: number;
  /** From installer start to its "installed" callback. */
  installSeconds: number;
}

/** The kind with each `run` held to its state's `next`: a move the table does not show is a defect, refused. */
export function withCheckedMoves(spec: JobKindSpec): JobKindSpec {
  const states: Record<string, StateSpec> = {};
  for (const [name, state] of Object.entries(spec.states)) {
    const run = state.run;
    if (!run) {
      states[name] = state;
      continue;
    }
    const next = state.next ?? [];
    states[name] = {
      ...state,
      run: async (ctx) => {
        const result = await run(ctx);
        if (!next.includes(result.to))
          throw new Error(`job kind ${spec.kind}: state ${name} moved to ${result.to}, which its table does not allow (next: ${next.join(', ') || 'none'})`);
        return result;
      },
    };
  }
  return { ...spec, states };
}

export function stepsOf(spec: JobKindSpec): number {
  return Math.max(...Object.values(spec.states).map((s) => s.step));
}
