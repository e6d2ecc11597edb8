// The benchmarks' client against node:http's server: it must post every body
// and read every answer whatever form the server gives it (Content-Length,
// chunks, a connection the server closes), or the numbers it prints mean nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPoster, parseResponse } from '../../support/bench-poster.js';

async function withServer(
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void,
  run: (url: string, sockets: Set<Socket>) => Promise<void>,
): Promise<void> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/in?x=1`, sockets);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(`machine ${i} ${'x'.repeat(i * 500)}`));

async function postAll(url: string, concurrency: number): Promise<string[]> {
  const poster = createPoster(concurrency);
  try {
    let next = 0;
    const answers: string[] = new Array(bodies.length);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const i = next++;
          const reply = await poster.post(url, bodies[i]!, { 'content-type': 'text/plain', 'x-n': String(i) });
          assert.equal(reply.status, 201);
          answers[i] = reply.body.toString();
        }
      }),
    );
    return answers;
  } finally {
    poster.close();
  }
}

const expected = bodies.map((b, i) => `${i} POST /in?x=1 ${b.length} ${b.subarray(0, 12).toString()}`);
const echo = (req: IncomingMessage, body: Buffer) => `${req.headers['x-n']} ${req.method} ${req.url} ${body.length} ${body.subarray(0, 12).toString()}`;

test('every post is answered with its own reply over at most `concurrency` keep-alive connections (Content-Length)', { timeout: 20_000 }, async () => {
  await withServer(
    (req, body, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' }).end(echo(req, body));
    },
    async (url, sockets) => {
      assert.deepEqual(await postAll(url, 3), expected);
      assert.equal(sockets.size, 3);
    },
  );
});

test('chunked replies are read whole', { timeout: 20_000 }, async () => {
  await withServer(
    (req, body, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      const text = echo(req, body);
      res.write(text.slice(0, 5));
      setImmediate(() => res.end(text.slice(5)));
    },
    async (url) => {
      assert.deepEqual(await postAll(url, 2), expected);
    },
  );
});

test('a server that closes the connection after a reply gets a new one for the next post', { timeout: 20_000 }, async () => {
  let replies = 0;
  await withServer(
    (req, body, res) => {
      const close = ++replies % 3 === 0;
      res.writeHead(201, { 'content-type': 'text/plain', ...(close ? { connection: 'close' } : {}) }).end(echo(req, body));
    },
    async (url, sockets) => {
      assert.deepEqual(await postAll(url, 2), expected);
      assert.ok(sockets.size > 2, `${sockets.size} connections for ${bodies.length} posts, a third of them answered with Connection: close`);
    },
  );
});

test('a server that drops the connection without answering fails the post with the reason', { timeout: 20_000 }, async () => {
  await withServer(
    (req) => {
      req.socket.destroy();
    },
    async (url) => {
      const poster = createPoster(1);
      try {
        await assert.rejects(
          poster.post(url, Buffer.from('x'), {}),
          /POST http:\/\/127\.0\.0\.1:\d+\/in\?x=1: the server closed the connection before answering/,
        );
      } finally {
        poster.close();
      }
    },
  );
});

test('parseResponse waits for a whole response and leaves what follows it', () => {
  const reply = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204');
  for (const cut of [10, 38, 41]) assert.equal(parseResponse(reply.subarray(0, cut)), undefined, `cut at ${cut}`);
  const whole = parseResponse(reply)!;
  assert.deepEqual([whole.posted.status, whole.posted.body.toString(), whole.rest.toString(), whole.close], [200, 'hello', 'HTTP/1.1 204', false]);
  const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
  assert.equal(parseResponse(chunked.subarray(0, chunked.length - 2)), undefined);
  const read = parseResponse(chunked)!;
  assert.deepEqual([read.posted.body.toString(), read.rest.length, read.close], ['abcde', 0, true]);
  assert.throws(() => parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP\/1\.1 response/);
  assert.throws(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), /neither Content-Length nor chunks/);
});
