// How a RIBCL document reaches an iLO, over TLS on port 443:
// - iLO 3 and 4: HTTP/1.1 `POST /ribcl`, the answer chunked;
// - iLO 2 (and RILOE II): the XML written straight on the TLS socket, the
//   `<?xml?>` header in a packet of its own (the firmware sniffs it), the
//   answer read until the iLO closes. iLO 2 answers the HTTP POST with 404.
// Either way one document per connection, and the iLO closes it.

import type { TLSSocket } from 'node:tls';
import { DployError } from '../../errors.js';
import { connectBmcTls } from '../bmc-tls.js';
import type { BmcTarget } from '../driver.js';

export type RibclProtocol = 'http' | 'raw';

const XML_HEADER = '<?xml version="1.0"?>\r\n';
const MAX_REPLY = 1 << 20;

/** The answer's RIBCL text, or 'no-http' when the iLO does not take RIBCL over HTTP (iLO 2). */
export async function exchange(bmc: BmcTarget, document: string, protocol: RibclProtocol, budgetMs: number, where: string): Promise<string | 'no-http'> {
  const started = Date.now();
  const socket = await connectBmcTls(bmc, 443, budgetMs, where);
  const reading = readAll(socket, Math.max(1, budgetMs - (Date.now() - started)), where);
  const body = Buffer.from(XML_HEADER + document, 'utf8');
  if (protocol === 'http') {
    socket.write(`POST /ribcl HTTP/1.1\r\nHost: ${bmc.address}\r\nContent-Length: ${body.length}\r\nConnection: Close\r\n\r\n`);
    socket.write(body);
  } else {
    socket.write(XML_HEADER);
    socket.write(document);
  }
  const reply = await reading;
  if (protocol === 'raw') return reply.toString('utf8');
  return httpBody(reply, where);
}

function readAll(socket: TLSSocket, budgetMs: number, where: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer within ${budgetMs} ms`)), budgetMs);
    socket.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REPLY) socket.destroy(new Error('answer larger than 1 MiB'));
      else chunks.push(c);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new DployError('DPLOY_ERR_BMC_UNREACHABLE', `${where}: connection lost (${err.message})`));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

function httpBody(reply: Buffer, where: string): string | 'no-http' {
  const text = reply.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (!status || end < 0) {
    if (text.trimStart().startsWith('<?xml')) return text;
    throw new DployError('DPLOY_ERR_BMC', `${where}: not an HTTP answer to POST /ribcl: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (status === '404') return 'no-http';
  if (status !== '200') throw new DployError(status === '503' ? 'DPLOY_ERR_BMC_BUSY' : 'DPLOY_ERR_BMC', `${where}: POST /ribcl answered HTTP ${status}`);
  const head = text.slice(0, end);
  const rest = reply.subarray(Buffer.byteLength(text.slice(0, end + 4)));
  return /^transfer-encoding:\s*chunked/im.test(head) ? dechunk(rest, where) : rest.toString('utf8');
}

/** HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), as iLO 3/4 send their answers. */
function dechunk(data: Buffer, where: string): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) throw new DployError('DPLOY_ERR_BMC', `${where}: answer cut inside its chunked body`);
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new DployError('DPLOY_ERR_BMC', `${where}: malformed chunk size in the answer`);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
