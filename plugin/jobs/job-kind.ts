// The shape of a transition table. One table per job kind (plugin/jobs/kinds/);
// the runner and the agent endpoints only read tables, so a new kind
// (restore, image, power …) is a new file and a registry line.

import type { EntityManager } from 'typeorm';
import type { Host } from '../model/host.js';
import type { Job, JobKind } from '../model/job.js';

/** What machines and installers report (POST /agent/v1/events, inventory posts). */
export const AGENT_EVENTS = ['inventory', 'answer-fetched', 'started', 'installed', 'failed'] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

export interface StepContext {
  /** The transaction the step's database effects and the job's move share. */
  db: EntityManager;
  job: Job;
  host: Host;
  now: Date;
  /** What the state's act did before this transaction (the BMC's answer), in words. */
  acted?: string;
}

export interface StepResult {
  to: string;
  message: string;
  /** Runs after the job's move, in the same transaction (forget deletes the host, and the job with it). */
  after?: (db: EntityManager) => Promise<void>;
}

export interface StateSpec {
  /**
   * Slow work done before the step's transaction: a BMC command and its
   * verification take seconds, and SQLite's single writer must not wait on
   * them. A runner killed after it repeats it, so it must be safe to repeat.
   */
  act?: (ctx: { db: EntityManager; job: Job; host: Host }) => Promise<string>;
  /** Work the runner does when it holds the job in this state. Idempotent. */
  run?: (ctx: StepContext) => Promise<StepResult>;
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

export function stepsOf(spec: JobKindSpec): number {
  return Math.max(...Object.values(spec.states).map((s) => s.step));
}
