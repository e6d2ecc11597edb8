// What the operator reads in the console: "installing rocky-9-web (step 3/4)
// since 10:42", "failed: answer file not fetched within 20 min".

import type { Job } from '../model/job.js';
import { stepsOf, type JobKindSpec } from './job-kind.js';

export function statusWords(spec: JobKindSpec, job: Job): string {
  if (job.state === 'done') return `${fill(spec.doneStatus, job)} at ${clock(job.finishedAt ?? job.updatedAt)}`;
  if (job.state === 'failed') return `failed: ${job.message ?? 'no reason recorded'}`;
  if (job.state === 'cancelled') return `cancelled: ${job.message ?? ''}`.trim();
  const state = spec.states[job.state];
  if (!state) return `${job.kind} in unknown state ${job.state}`;
  return `${fill(state.status, job)} (step ${state.step}/${stepsOf(spec)}) since ${clock(job.stateEnteredAt)}`;
}

function fill(template: string, job: Job): string {
  return template
    .replace('{profile}', job.profile ?? '')
    .replace('{image}', job.image ?? '')
    .replace('{message}', job.message ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

function clock(date: Date): string {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}
