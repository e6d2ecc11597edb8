// A job: one task carried out on one machine. Its kind picks a transition
// table in plugin/jobs/kinds/; its state is a name in that table. Terminal
// states are the same for every kind.

import type { TaskKind } from './task.js';

/** A job carries out one task: the kinds are the task kinds. */
export type JobKind = TaskKind;

export const TERMINAL_STATES = ['done', 'failed', 'cancelled'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export interface Job {
  id: number;
  hostId: number;
  kind: JobKind;
  state: string;
  profile?: string;
  image?: string;
  /**
   * As stored, the job's random salt; the secret in its answer-file and
   * callback URLs is made from it with the site key (plugin/jobs/job-token.ts),
   * so the database alone holds no usable token.
   */
  token?: string;
  /** The client address the job is bound to: the first to fetch its boot entry or answer file. */
  bootAddress?: string;
  attempts: number;
  leaseOwner?: string;
  leaseUntil?: Date;
  message?: string;
  stateEnteredAt: Date;
  createdAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
  /** The NIC the machine booted this job from: the MAC its boot entry was served to. */
  bootMac?: string;
}

export interface JobEvent {
  id: number;
  jobId: number;
  at: Date;
  fromState?: string;
  toState: string;
  message: string;
  /** Who moved it: "runner:<owner>", "agent", "cli", "api". */
  actor: string;
}

export function isTerminal(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** Kinds whose machine boots an installer with an answer file: install, and the chain (rebuild) between its capture and its restore. */
export function runsInstaller(kind: string): boolean {
  return kind === 'install' || kind === 'rebuild';
}
