// Replaces a DHCP file the site's server includes, so that the server never
// sees a broken or half-written file: the new content goes to a temporary file
// in the same directory (same filesystem, so rename(2) is atomic), the
// server's own test mode must accept it, and only then is it renamed over the
// old file. Afterwards the admin's reload command runs (an argv array, never a
// shell). Unchanged content is a no-op: no rewrite, no reload.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DployError, isDployError } from '../errors.js';
import type { DhcpBootOptions, DhcpFileKind, DhcpHostEntry, DhcpProvider } from './provider.js';
import { runServerCommand, verdictLines } from './server-command.js';

export interface DhcpFileOutcome {
  changed: boolean;
  reloaded: boolean;
}

interface Replacement {
  provider: DhcpProvider;
  path: string;
  kind: DhcpFileKind;
  content: string;
  /** e.g. ['systemctl', 'reload', 'dnsmasq']; none: the admin reloads. */
  reloadCommand?: readonly string[];
}

async function currentContent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeSynced(path: string, content: string, mode: number): Promise<void> {
  const file = await open(path, 'wx', mode);
  try {
    await file.chmod(mode);
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function reload(path: string, argv: readonly string[]): Promise<void> {
  const outcome = await runServerCommand(argv);
  if (outcome.ok) return;
  const how = outcome.missing ? 'was not found' : outcome.exitCode === undefined ? 'did not finish' : `exited with ${outcome.exitCode}`;
  throw new DployError(
    'DPLOY_ERR_DHCP_RELOAD',
    `${path} was updated, but the reload command \`${argv.join(' ')}\` ${how}; the DHCP server still runs the old entries:\n${verdictLines(outcome.output)}`,
  );
}

/** The validated write every apply goes through; exported for the tests that feed it broken content. */
export async function replaceDhcpFile(job: Replacement): Promise<DhcpFileOutcome> {
  const { path, content } = job;
  if ((await currentContent(path)) === content) return { changed: false, reloaded: false };
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  const temp = join(dirname(path), `.${basename(path)}.dploy-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeSynced(temp, content, mode).catch((err: unknown) => {
      throw new DployError(
        'DPLOY_ERR_CONFIG',
        `cannot write ${job.kind} file next to ${path}: ${(err as Error).message} (the dploy user needs write access to ${dirname(path)})`,
        { cause: err },
      );
    });
    await job.provider.validate(temp, job.kind);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    if (!isDployError(err, 'DPLOY_ERR_DHCP_REJECTED')) throw err;
    throw new DployError('DPLOY_ERR_DHCP_REJECTED', `${path} left unchanged: the new ${job.kind} file failed validation. ${err.message}`, { cause: err });
  }
  if (job.reloadCommand === undefined || job.reloadCommand.length === 0) return { changed: true, reloaded: false };
  await reload(path, job.reloadCommand);
  return { changed: true, reloaded: true };
}

export interface ApplyDhcpFile {
  provider: DhcpProvider;
  path: string;
  entries: readonly DhcpHostEntry[];
  options: DhcpBootOptions;
  reloadCommand?: readonly string[];
}

/** Writes the hosts file for these entries (validated, atomic, reloaded). */
export async function applyDhcpFile(request: ApplyDhcpFile): Promise<DhcpFileOutcome> {
  const content = request.provider.render(request.entries, request.options);
  return replaceDhcpFile({ ...request, kind: 'hosts', content });
}

/** Writes the boot snippet for these options (validated, atomic, reloaded). */
export async function applyDhcpBootFile(request: Omit<ApplyDhcpFile, 'entries'>): Promise<DhcpFileOutcome> {
  const content = request.provider.renderBoot(request.options);
  return replaceDhcpFile({ ...request, kind: 'boot', content });
}
