// What dploy's HTTP server answered, read back from its own JSON log: fastify's
// "incoming request" (method, URL, client) and "request completed" (status)
// lines joined by request id, with the bytes of a /boot/files body from
// dploy's "boot file sent" line. The proof of what a network boot client
// fetched over HTTP, and how it was answered.

import { readFileSync } from 'node:fs';

export interface HttpAnswer {
  method: string;
  url: string;
  client: string;
  status?: number;
  /** Body bytes handed to the client (/boot/files only); absent until the body is out. */
  bytes?: number;
}

interface LogLine {
  reqId?: string;
  msg?: string;
  req?: { method: string; url: string; remoteAddress: string };
  res?: { statusCode: number };
  status?: number;
  bytes?: number;
}

export function httpAnswers(dployLog: string): HttpAnswer[] {
  const byId = new Map<string, HttpAnswer>();
  for (const line of readFileSync(dployLog, 'utf8').split('\n')) {
    if (!line.includes('"reqId"')) continue;
    const entry = JSON.parse(line) as LogLine;
    const id = entry.reqId!;
    if (entry.msg === 'incoming request' && entry.req) byId.set(id, { method: entry.req.method, url: entry.req.url, client: entry.req.remoteAddress });
    const answer = byId.get(id);
    if (!answer) continue;
    if (entry.msg === 'request completed' && entry.res) answer.status = entry.res.statusCode;
    if (entry.msg === 'boot file sent') answer.bytes = entry.bytes!;
  }
  return [...byId.values()];
}

/** One line per answer, as an access log prints it, for assertion messages. */
export function accessLog(answers: readonly HttpAnswer[]): string {
  return answers.map((a) => `${a.client} ${a.method} ${a.url} ${a.status ?? '-'} ${a.bytes ?? '-'}`).join('\n');
}
