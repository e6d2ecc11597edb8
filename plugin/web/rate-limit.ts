// Per-source rate limit of the agent routes (/agent/…, /answers/…): a token
// bucket per client address, checked before anything else of the request
// (token, body). A discovering machine posts once and polls every 30 s; an
// installer fetches its answer and calls back a few times; so a source far
// above agent.ratePerSource is a loop or an attack, and gets 429 with
// Retry-After. Addresses in agent.rateLimitExempt (the host itself, a relay)
// are not counted.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { DployError } from '../errors.js';
import { plainAddress } from '../store/job-binding.js';

/** Sources remembered at most; past it the least recently seen are forgotten (a full bucket is the default anyway). */
const MAX_SOURCES = 50_000;

export interface RateLimit {
  perSecond: number;
  burst: number;
  exempt: readonly string[];
}

interface Bucket {
  tokens: number;
  at: number;
}

export function agentRateLimit(limit: RateLimit, now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  const exempt = new Set(limit.exempt.map(plainAddress));
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (limit.perSecond <= 0 || !isAgentPath(request.url)) return;
    const source = plainAddress(request.ip);
    if (exempt.has(source)) return;
    const t = now();
    const bucket = buckets.get(source) ?? { tokens: limit.burst, at: t };
    buckets.delete(source); // re-inserted last: the Map's order is then least recently seen first
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    buckets.set(source, bucket);
    if (buckets.size > MAX_SOURCES) buckets.delete(buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    reply.header('retry-after', String(Math.ceil((1 - bucket.tokens) / limit.perSecond)));
    throw new DployError('DPLOY_ERR_RATE_LIMITED', `more than ${limit.perSecond} requests a second from ${source} (agent.ratePerSource); slow down`);
  };
}

function isAgentPath(url: string): boolean {
  return url.startsWith('/agent/') || url.startsWith('/answers/');
}
