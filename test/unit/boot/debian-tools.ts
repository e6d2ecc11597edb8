// Real Debian programs and documents the boot tests check against. A missing
// one fails the test with the command that installs it (.ci/packages.txt
// lists them for CI); nothing is skipped.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

function missing(what: string, pkg: string): never {
  throw new Error(`${what} is missing: run apt-get install -y ${pkg}`);
}

/** A gzip-compressed document from a Debian package, as text. */
export function debianDoc(path: string, pkg: string): string {
  if (!existsSync(path)) missing(path, pkg);
  return gunzipSync(readFileSync(path)).toString('utf8');
}

export function toolPath(name: string, pkg: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) missing(name, pkg);
  return found.stdout.trim();
}

export interface ScriptCheck {
  ok: boolean;
  output: string;
}

/** grub-script-check (package grub-common) reads a GRUB script on stdin. */
export function grubScriptCheck(script: string): ScriptCheck {
  const tool = toolPath('grub-script-check', 'grub-common');
  try {
    const output = execFileSync(tool, [], { input: script, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (err) {
    const failure = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}
