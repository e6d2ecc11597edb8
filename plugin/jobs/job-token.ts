// The secret of a job's answer-file and callback URLs: "<job id>-<mac>", where
// mac is HMAC-SHA256 over the job id and its stored random salt, keyed from
// installers.secretKeyFile. The database keeps only the salt, so a copy of it
// (a backup, a readable SQLite file) gives no token; and the same token comes
// out every time a boot entry is rendered, however often the machine asks.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Job } from '../model/job.js';
import { readOrCreateKey } from '../secret-box.js';

const TOKEN = /^([1-9][0-9]{0,15})-([A-Za-z0-9_-]{43})$/;

export interface JobTokens {
  /** The URL token of a job as stored (its salt in `token`). */
  tokenFor(job: Pick<Job, 'id' | 'token'>): string;
  /** The job id a well-formed token names; the caller then checks it with `matches`. */
  jobIdOf(token: string): number | undefined;
  matches(token: string, job: Pick<Job, 'id' | 'token'>): boolean;
}

export function jobTokens(siteKey: Buffer): JobTokens {
  // A key of its own: the site key also seals password hashes (AES-GCM).
  const key = createHmac('sha256', siteKey).update('dploy job tokens v1').digest();
  const mac = (job: Pick<Job, 'id' | 'token'>) => {
    if (!job.token) throw new Error(`job ${job.id} has no salt`);
    return createHmac('sha256', key).update(`${job.id}:${job.token}`).digest('base64url');
  };
  return {
    tokenFor: (job) => `${job.id}-${mac(job)}`,
    jobIdOf: (token) => {
      const m = TOKEN.exec(token);
      return m ? Number(m[1]) : undefined;
    },
    matches: (token, job) => {
      const m = TOKEN.exec(token);
      if (!m || Number(m[1]) !== job.id || !job.token) return false;
      const given = Buffer.from(m[2]!);
      const expected = Buffer.from(mac(job));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export function jobTokensFromKeyFile(path: string): JobTokens {
  return jobTokens(readOrCreateKey(path));
}
