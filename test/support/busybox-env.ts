// A PATH made only of busybox applets (plus the real lshw), so an agent
// script runs the way it does in mindi's boot environment: busybox ash and
// busybox wget, no GNU tools to lean on.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APPLETS = ['sh', 'ash', 'wget', 'gzip', 'sed', 'mktemp', 'cat', 'wc', 'tail', 'head', 'grep', 'sleep', 'rm', 'mkdir', 'cp', 'tr', 'echo'];

export function busyboxPath(extra: Record<string, string> = {}, without: string[] = []): string {
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox is missing: apt-get install -y busybox');
  const dir = mkdtempSync(join(tmpdir(), 'dploy-busybox-'));
  const available = new Set(execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n'));
  for (const applet of APPLETS.filter((a) => !without.includes(a))) {
    if (!available.has(applet)) throw new Error(`this busybox lacks the ${applet} applet`);
    symlinkSync(busybox, join(dir, applet));
  }
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  return dir;
}
