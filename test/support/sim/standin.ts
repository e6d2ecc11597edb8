// Where the stand-in mx commands are, and a state directory for one test file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MX_BIN = fileURLToPath(new URL('.', import.meta.url));
export const NODELIST_DTD = fileURLToPath(new URL('./dtd/nodelist.dtd', import.meta.url));
export const TOOLLIST_DTD = fileURLToPath(new URL('./dtd/toollist.dtd', import.meta.url));

/** A fresh SIM repository for the stand-ins: MX_STANDIN_STATE points at it until dispose(). */
export function standinState(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-sim-standin-'));
  const before = process.env.MX_STANDIN_STATE;
  process.env.MX_STANDIN_STATE = dir;
  return {
    dir,
    dispose() {
      if (before === undefined) delete process.env.MX_STANDIN_STATE;
      else process.env.MX_STANDIN_STATE = before;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** xmllint's verdict on a document against one of the published DTDs: '' when valid, else its complaint. */
export function dtdComplaint(xml: string, dtd: string): string {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--dtdvalid', dtd, '-'], { input: xml, stdio: ['pipe', 'ignore', 'pipe'] });
    return '';
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
}
