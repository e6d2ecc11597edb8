// Runs the real `dploy` command as a user would, in its own working directory.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DPLOY_BIN = fileURLToPath(new URL('../../bin/dploy.js', import.meta.url));

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
