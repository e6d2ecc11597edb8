// The benchmarks' HTTP client: node:http over a keep-alive agent, one socket
// per concurrent poster. fetch (undici) cost the load generator about half a
// core at 600 posts/s on this 2-core machine, CPU the servers under test then
// did not have; machines post from their own CPUs. Used for dploy and OCS's
// server alike, so a ratio compares servers, not clients.

import { Agent, request } from 'node:http';

export interface Posted {
  status: number;
  body: Buffer;
}

export type Post = (url: string, body: Buffer, headers: Record<string, string>) => Promise<Posted>;

export function createPoster(concurrency: number): { post: Post; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post: Post = (url, body, headers) => new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new Error(`POST ${url}: ${err.message}`)));
    req.end(body);
  });
  return { post, close: () => agent.destroy() };
}
