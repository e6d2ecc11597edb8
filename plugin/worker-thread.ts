// Starts a worker thread on a module next to the caller. Running from the
// TypeScript sources, a worker needs tsx's loader too, and Node 20 does not
// pass loader hooks (`--import tsx`, or bin/dploy.js's register()) on to
// worker threads: the worker registers tsx itself first.

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` without extension, resolved next to `callerUrl` (the caller's import.meta.url). */
export function startWorkerThread(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  const ext = extname(fileURLToPath(callerUrl));
  const entry = new URL(`./${name}${ext}`, callerUrl).href;
  if (ext !== '.ts') return new Worker(new URL(entry), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
