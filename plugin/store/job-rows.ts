// Rows of dploy_jobs/dploy_job_events <-> the Job model.

import type { Job, JobEvent, JobKind } from '../model/job.js';
import { toDate } from './host-rows.js';

export interface JobRow {
  id: number;
  host_id: number;
  kind: string;
  state: string;
  profile: string | null;
  image: string | null;
  token: string | null;
  attempts: number;
  lease_owner: string | null;
  lease_until: Date | string | null;
  message: string | null;
  state_entered_at: Date | string;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
  /** The MAC the job's boot entry was last served to (recordBootRequest). */
  boot_mac: string | null;
  /** The client address the job is bound to (docs/security.md); set by store/job-binding.ts. */
  boot_address?: string | null;
  answer_fetches?: number;
}

export interface JobEventRow {
  id: number;
  job_id: number;
  at: Date | string;
  from_state: string | null;
  to_state: string;
  message: string;
  actor: string;
}

export function jobFromRow(row: JobRow): Job {
  const job: Job = {
    id: Number(row.id),
    hostId: Number(row.host_id),
    kind: row.kind as JobKind,
    state: row.state,
    attempts: Number(row.attempts),
    stateEnteredAt: toDate(row.state_entered_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
  if (row.profile) job.profile = row.profile;
  if (row.image) job.image = row.image;
  if (row.token) job.token = row.token;
  if (row.lease_owner) job.leaseOwner = row.lease_owner;
  if (row.lease_until) job.leaseUntil = toDate(row.lease_until);
  if (row.message) job.message = row.message;
  if (row.finished_at) job.finishedAt = toDate(row.finished_at);
  if (row.boot_mac) job.bootMac = row.boot_mac;
  if (row.boot_address) job.bootAddress = row.boot_address;
  return job;
}

export function eventFromRow(row: JobEventRow): JobEvent {
  const event: JobEvent = { id: Number(row.id), jobId: Number(row.job_id), at: toDate(row.at), toState: row.to_state, message: row.message, actor: row.actor };
  if (row.from_state) event.fromState = row.from_state;
  return event;
}
