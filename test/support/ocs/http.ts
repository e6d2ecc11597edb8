// HTTP to the OCS stack without keep-alive. Apache closes an idle connection
// after KeepAliveTimeout (5 s); fetch's pool may reuse that socket in the same
// instant and the request dies with "fetch failed" (other side closed) before
// Apache sees it, which happened on a CI run. A real agent or browser sees
// the same race and retries; the tests take a fresh connection per request.

import { request } from 'node:http';

export interface OcsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function ocsHttp(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<OcsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new Error(`${options.method ?? 'GET'} ${url}: ${err.message}`)));
    req.setTimeout(120_000, () => req.destroy(new Error('no answer within 120 s')));
    req.end(options.body);
  });
}

/** Set-Cookie headers as a list. */
export function setCookies(response: OcsResponse): string[] {
  const v = response.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
