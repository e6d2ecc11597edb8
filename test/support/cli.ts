// Runs the real `dploy` command as a user would, in its own working directory.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npm test` compiles the sources before the run (its tsc step emits there, beside the type check). */
const COMPILED_CLI = join(ROOT, 'build/tsc/plugin/main.js');

/**
 * The `dploy` the tests run: the compiled CLI when it is newer than every source file, else bin/dploy.js
 * (the sources through tsx, as a checkout without a build runs). The suite starts the CLI some
 * hundreds of times, and through tsx each start takes about twice as long as compiled.
 * A source edited after the build falls back to tsx, so a single test file run by hand never sees old code.
 */
export const DPLOY_BIN = compiledIsCurrent() ? COMPILED_CLI : join(ROOT, 'bin/dploy.js');

function compiledIsCurrent(): boolean {
  if (!existsSync(COMPILED_CLI)) return false;
  return newestMtime(join(ROOT, 'plugin')) <= statSync(COMPILED_CLI).mtimeMs;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : entry.name.endsWith('.ts') ? statSync(path).mtimeMs : 0;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input`, when given, is written to the command's stdin (passwords are read there, never from arguments). */
export function runDploy(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DPLOY_BIN, ...args], {
      cwd: options.cwd,
      env: { ...cleanEnv(), ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The caller's environment without DPLOY_* variables, so tests see defaults. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DPLOY_')));
}
