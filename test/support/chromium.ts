// Debian's headless Chromium driven over the Chrome DevTools Protocol on a
// pipe (--remote-debugging-pipe: commands on fd 3, answers and events on fd 4,
// each a JSON message ended by a NUL byte). No WebSocket and no client library:
// Node 20 has no built-in WebSocket, and the pipe needs no port.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** What a page did wrong while it was watched: console errors, uncaught exceptions, failed or refused requests. */
export interface PageProblem {
  kind: 'console' | 'exception' | 'log' | 'request';
  text: string;
}

export interface ChromiumPage {
  /** Loads `url` and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Runs `expression` in the page (DevTools' own evaluation, not subject to the page's CSP); with `navigates`, waits for the page it leads to. */
  evaluate<T>(expression: string, options?: { navigates?: boolean }): Promise<T>;
  /** A PNG of the whole page, not only the window. */
  screenshot(): Promise<Buffer>;
  /** Everything that went wrong since the last call. */
  takeProblems(): PageProblem[];
}

export interface Chromium {
  newPage(): Promise<ChromiumPage>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 10_000;

export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'dploy-chromium-'));
  const args = [
    '--headless',
    '--remote-debugging-pipe',
    `--user-data-dir=${profile}`,
    // As root (CI) Chromium refuses to start sandboxed; it only ever loads dploy on loopback here.
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--window-size=1280,900',
    'about:blank',
  ];
  const child = spawn('chromium', args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-4000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  // A browser that never started or died closes its pipes: the pending commands say so, not an unhandled EPIPE.
  toBrowser.on('error', () => undefined);
  fromBrowser.on('error', () => undefined);
  const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(m: Message) => void>();
  let nextId = 1;
  let buffered = '';
  fromBrowser.on('data', (chunk: Buffer) => {
    buffered += String(chunk);
    let end: number;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`Chromium: ${message.error.message}`));
        else waiter?.resolve(message.result ?? {});
      } else for (const listener of listeners) listener(message);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<never>((_resolve, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start chromium (${err.message}): apt-get install chromium, as test/setup/ensure-system.sh does`))),
  );
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`Chromium exited: ${stderr}`));
    pending.clear();
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`Chromium: no answer to ${method} in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      pending.set(id, { resolve: (r) => (clearTimeout(timer), resolve(r)), reject: (e) => (clearTimeout(timer), reject(e)) });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  await Promise.race([send('Browser.getVersion'), started]).catch((err: unknown) => {
    child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
    throw err;
  });
  return {
    newPage: () => openPage(send, listeners),
    close: () => closeBrowser(child, exited, send, profile),
  };
}

async function closeBrowser(child: ChildProcess, exited: Promise<void>, send: (m: string) => Promise<unknown>, profile: string): Promise<void> {
  await send('Browser.close').catch(() => child.kill('SIGKILL'));
  const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(late);
  rmSync(profile, { recursive: true, force: true });
}

type Send = (method: string, params?: Record<string, unknown>, sessionId?: string) => Promise<Record<string, unknown>>;

async function openPage(send: Send, listeners: Set<(m: Message) => void>): Promise<ChromiumPage> {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
  const problems: PageProblem[] = [];
  const loads: Array<() => void> = [];
  listeners.add((m) => {
    if (m.sessionId !== sessionId) return;
    const p = m.params ?? {};
    if (m.method === 'Page.loadEventFired') loads.splice(0).forEach((loaded) => loaded());
    else if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
      problems.push({ kind: 'console', text: JSON.stringify(p.args) });
    } else if (m.method === 'Runtime.exceptionThrown') problems.push({ kind: 'exception', text: JSON.stringify(p.exceptionDetails) });
    else if (m.method === 'Log.entryAdded') {
      const entry = p.entry as { level: string; text: string; url?: string };
      if (entry.level === 'error') problems.push({ kind: 'log', text: `${entry.text} ${entry.url ?? ''}`.trim() });
    } else if (m.method === 'Network.loadingFailed') problems.push({ kind: 'request', text: `${String(p.errorText)} (${String(p.type)})` });
    else if (m.method === 'Network.responseReceived') {
      const response = p.response as { status: number; url: string };
      if (response.status >= 400) problems.push({ kind: 'request', text: `${response.status} ${response.url}` });
    }
  });
  for (const domain of ['Page', 'Runtime', 'Network', 'Log']) await send(`${domain}.enable`, {}, sessionId);
  const loaded = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Chromium: no load event in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      loads.push(() => (clearTimeout(timer), resolve()));
    });
  return {
    async goto(url) {
      const load = loaded();
      const navigated = (await send('Page.navigate', { url }, sessionId)) as { errorText?: string };
      if (navigated.errorText) throw new Error(`Chromium: ${url}: ${navigated.errorText}`);
      await load;
    },
    async evaluate<T>(expression: string, options: { navigates?: boolean } = {}) {
      const load = options.navigates ? loaded() : undefined;
      const answer = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
        result: { value?: T };
        exceptionDetails?: { text: string };
      };
      if (answer.exceptionDetails) throw new Error(`Chromium: ${expression}: ${answer.exceptionDetails.text}`);
      await load;
      return answer.result.value as T;
    },
    async screenshot() {
      const { cssContentSize } = (await send('Page.getLayoutMetrics', {}, sessionId)) as { cssContentSize: { width: number; height: number } };
      const clip = { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.ceil(cssContentSize.height), scale: 1 };
      const { data } = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip }, sessionId)) as { data: string };
      return Buffer.from(data, 'base64');
    },
    takeProblems: () => problems.splice(0),
  };
}
