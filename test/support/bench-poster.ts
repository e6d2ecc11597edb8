// The benchmarks' HTTP client: HTTP/1.1 keep-alive over plain sockets, one
// socket per concurrent poster, each request written in one piece and each
// response read by its Content-Length or chunks. Machines post from their own
// CPUs; here the load generator shares the two cores with the servers under
// test, so every microsecond it spends is taken from them. fetch (undici) cost
// it about half a core at 600 posts/s; node:http ~0.2 ms of CPU per post at
// concurrency 1, a tenth of dploy's whole chain; this client ~0.1
// (docs/benchmarks-history.md, OCS 2026-12-05, fourth session). Used for dploy and
// OCS's server alike, so a ratio compares servers, not clients.

import { connect, type Socket } from 'node:net';

export interface Posted {
  status: number;
  body: Buffer;
}

export type Post = (url: string, body: Buffer, headers: Record<string, string>) => Promise<Posted>;

interface Exchange {
  resolve(posted: Posted): void;
  reject(err: Error): void;
}

/** One keep-alive connection and the response it is reading. */
class Connection {
  private received: Buffer = Buffer.alloc(0);
  private exchange: Exchange | undefined;
  open = true;

  constructor(
    readonly socket: Socket,
    private readonly done: (connection: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.read();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the server closed the connection before answering')));
  }

  send(request: Buffer): Promise<Posted> {
    if (!this.open) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => {
      this.exchange = { resolve, reject };
      this.socket.write(request);
    });
  }

  private read(): void {
    if (!this.exchange) return;
    let response: { posted: Posted; rest: Buffer; close: boolean } | undefined;
    try {
      response = parseResponse(this.received);
    } catch (err) {
      this.socket.destroy();
      this.fail(err as Error);
      return;
    }
    if (!response) return;
    const { exchange } = this;
    this.exchange = undefined;
    this.received = response.rest;
    if (response.close) {
      this.open = false;
      this.socket.end();
    }
    this.done(this);
    exchange.resolve(response.posted);
  }

  private fail(err: Error): void {
    const { exchange } = this;
    if (this.open) {
      this.open = false;
      this.done(this);
    }
    this.exchange = undefined;
    exchange?.reject(err);
  }
}

/** A whole response at the start of `data` (status, body, what follows, whether the server closes), or undefined while it is incomplete. */
export function parseResponse(data: Buffer): { posted: Posted; rest: Buffer; close: boolean } | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = data.toString('latin1', 0, headEnd);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  if (!status) throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 80))}`);
  const close = /\r\nconnection:[ \t]*close/i.test(head) || head.startsWith('HTTP/1.0');
  const bodyStart = headEnd + 4;
  if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) {
    const chunks: Buffer[] = [];
    for (let at = bodyStart; ;) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(data.toString('latin1', at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunk size in a chunked response');
      // The last chunk, then no trailers: two CRLFs.
      if (size === 0)
        return data.length < lineEnd + 4
          ? undefined
          : { posted: { status: Number(status), body: Buffer.concat(chunks) }, rest: data.subarray(lineEnd + 4), close };
      if (data.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
  if (length === undefined) throw new Error('a response with neither Content-Length nor chunks (the client keeps its connections)');
  const bodyEnd = bodyStart + Number(length);
  if (data.length < bodyEnd) return undefined;
  // A copy: the connection's buffer is reused for what follows.
  return { posted: { status: Number(status), body: Buffer.from(data.subarray(bodyStart, bodyEnd)) }, rest: data.subarray(bodyEnd), close };
}

export function createPoster(concurrency: number): { post: Post; close(): void } {
  const idle: Connection[] = [];
  const connections = new Set<Connection>();
  const waiting: Array<(connection: Connection) => void> = [];
  let origin: URL | undefined;
  let closed = false;
  const open = (): Connection => {
    const connection = new Connection(connect({ host: origin!.hostname, port: Number(origin!.port || 80) }), done);
    connections.add(connection);
    return connection;
  };
  // A connection is free again, or closed (the server said so, or it failed): a post waiting gets it, or a new one in its place.
  const done = (connection: Connection): void => {
    if (!connection.open) {
      connections.delete(connection);
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
    }
    const next = closed ? undefined : waiting.shift();
    if (next) next(connection.open ? connection : open());
    else if (connection.open) idle.push(connection);
  };
  const acquire = (url: URL): Promise<Connection> => {
    if (origin && origin.host !== url.host) throw new Error(`a poster posts to one server (${origin.host}), not to ${url.host}`);
    origin = url;
    const free = idle.pop();
    if (free) return Promise.resolve(free);
    if (connections.size < concurrency) return Promise.resolve(open());
    return new Promise((resolve) => waiting.push(resolve));
  };
  const post: Post = async (url, body, headers) => {
    const target = new URL(url);
    const connection = await acquire(target);
    const lines = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const head = Buffer.from(
      `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${lines}Content-Length: ${body.length}\r\n\r\n`,
      'latin1',
    );
    try {
      return await connection.send(Buffer.concat([head, body]));
    } catch (err) {
      throw new Error(`POST ${url}: ${(err as Error).message}`);
    }
  };
  return {
    post,
    close: () => {
      closed = true;
      for (const connection of connections) connection.socket.destroy();
    },
  };
}
