// Redfish's transport: JSON over HTTPS with Basic auth. node:http speaks over
// the BMC's kept-open connection (redfish-connections.ts: opened and judged by
// bmc-tls.ts first; Node 20's fetch cannot take such a connection). HTTP status
// and socket errors become the power error codes once, here.

import { request } from 'node:http';
import { DployError, isDployError, type ErrorCode } from '../../errors.js';
import type { BmcTarget } from '../driver.js';
import { BmcConnections, type BmcConnectionArgs } from './redfish-connections.js';

export interface RedfishReply {
  status: number;
  etag?: string;
  body: Record<string, unknown>;
}

const BY_STATUS: Array<[(s: number) => boolean, ErrorCode, string]> = [
  [(s) => s === 401 || s === 403, 'DPLOY_ERR_BMC_AUTH', 'login refused: wrong user or password, or too few privileges'],
  // 412: the ETag moved under us (another client wrote); reading again and retrying is the cure.
  [(s) => s === 412 || s === 429 || s === 503, 'DPLOY_ERR_BMC_BUSY', 'BMC busy'],
  [(s) => s === 400 || s === 404 || s === 405 || s === 501, 'DPLOY_ERR_BMC_UNSUPPORTED', 'refused as not supported'],
];

type Method = 'GET' | 'PATCH' | 'POST';
interface Send {
  body?: unknown;
  ifMatch?: string;
}
export type RedfishCall = (bmc: BmcTarget, method: Method, path: string, budgetMs: number, o?: Send) => Promise<RedfishReply>;

/** A driver's way to its BMCs: requests over one kept-open connection per BMC. */
export function redfishTransport(): RedfishCall {
  const connections = new BmcConnections();
  return (bmc, method, path, budgetMs, o = {}) => redfishCall(connections, bmc, method, path, budgetMs, o);
}

async function redfishCall(connections: BmcConnections, bmc: BmcTarget, method: Method, path: string, budgetMs: number, o: Send): Promise<RedfishReply> {
  try {
    return await send(connections, bmc, method, path, budgetMs, o);
  } catch (err) {
    // The BMC dropped the kept-open connection as the request went out (Node's documented case): once more on a new
    // one, for what is safe to repeat. A reset (POST) is not repeated here: it goes up as unreachable, to PowerControl's retry rules.
    if (!(err instanceof StaleConnection) || method === 'POST') throw err;
    return send(connections, bmc, method, path, budgetMs, o);
  }
}

class StaleConnection extends DployError {}

const unreachable = (bmc: BmcTarget, err: Error) => new DployError('DPLOY_ERR_BMC_UNREACHABLE', `Redfish ${bmc.address}: BMC not answering (${err.message})`);

function send(connections: BmcConnections, bmc: BmcTarget, method: Method, path: string, budgetMs: number, o: Send): Promise<RedfishReply> {
  const where = `Redfish ${bmc.address}`;
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: `Basic ${Buffer.from(`${bmc.user}:${bmc.password}`).toString('base64')}`,
    'OData-Version': '4.0',
  };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  if (o.ifMatch) headers['If-Match'] = o.ifMatch;
  const args: BmcConnectionArgs = {
    agent: connections,
    bmc,
    budgetMs,
    where,
    host: bmc.address,
    port: bmc.port ?? 443,
    method,
    path,
    headers,
    timeout: budgetMs,
  };
  return new Promise<RedfishReply>((resolve, reject) => {
    const req = request(args, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 4 << 20) req.destroy(new Error('reply larger than 4 MiB'));
        else chunks.push(c);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          // A non-JSON error page: the status says enough.
        }
        if (status >= 200 && status < 300) return resolve({ status, ...(res.headers.etag ? { etag: res.headers.etag } : {}), body });
        const rule = BY_STATUS.find(([test]) => test(status));
        const detail = `${method} ${path}: HTTP ${status}${extendedInfo(body)}`;
        reject(new DployError(rule?.[1] ?? 'DPLOY_ERR_BMC', `${where}: ${rule?.[2] ?? 'failed'} (${detail})`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${budgetMs} ms`)));
    req.on('error', (err: Error & { code?: string }) => {
      // A refused certificate or handshake from bmc-tls.ts comes through as it is.
      if (isDployError(err)) return reject(err);
      const e = unreachable(bmc, err);
      reject(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleConnection(e.code, e.message) : e);
    });
    req.end(payload);
  });
}

/** Redfish's error object (DSP0266 §9.6): the first message says why. */
function extendedInfo(body: Record<string, unknown>): string {
  const error = body.error as { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string }> } | undefined;
  const message = error?.['@Message.ExtendedInfo']?.[0]?.Message ?? error?.message;
  return message ? `: ${String(message).slice(0, 200)}` : '';
}
