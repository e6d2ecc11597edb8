// Boot templates are looked up the MAAS way, most specific first:
//   <loader>/<state>.<arch>.<os-family>.eta, <loader>/<state>.<arch>.eta, <loader>/<state>.eta
// in the operator's override directory first, then in the shipped pxe/boot/.
// Any operator file wins over every shipped one: an override is an override.
// When nothing is found the error lists every path tried.
//
// Looked up synchronously, from a cache checked against each file's stat: a
// boot config is rendered on the event loop that also takes inventory posts,
// and an asynchronous read (open, stat, read, close: four trips through the
// thread pool) would make a TFTP answer wait behind the loop's work four
// times over. One stat per candidate still shows an edit at the next boot.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DployError } from '../errors.js';
import { shipped } from '../package-root.js';
import type { BootStateKind } from '../model/host.js';
import type { BootLoader } from './boot-request.js';

export const SHIPPED_TEMPLATE_DIR = shipped('pxe/boot/');

const KEY = /^[A-Za-z0-9_-]{1,32}$/;

export interface TemplateKey {
  loader: BootLoader;
  state: BootStateKind;
  arch?: string;
  osFamily?: string;
}

export interface FoundTemplate {
  path: string;
  text: string;
}

function checkKey(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!KEY.test(value)) {
    throw new DployError('DPLOY_ERR_BOOT_CONFIG', `${what} ${JSON.stringify(value)} cannot name a boot template (letters, digits, _ and - only)`);
  }
  return value;
}

/** Template names for a key, most specific first, relative to a template directory. */
export function templateCandidates(key: TemplateKey): string[] {
  const arch = checkKey(key.arch, 'architecture');
  const family = checkKey(key.osFamily, 'OS family');
  const base = `${key.loader}/${key.state}`;
  const names: string[] = [];
  if (arch && family) names.push(`${base}.${arch}.${family}.eta`);
  if (arch) names.push(`${base}.${arch}.eta`);
  names.push(`${base}.eta`);
  return names;
}

/** Every path to try, in order: each directory's candidates, override directory first. */
export function templatePaths(key: TemplateKey, directories: readonly string[]): string[] {
  const names = templateCandidates(key);
  return directories.flatMap((directory) => names.map((name) => join(directory, name)));
}

export function findTemplate(key: TemplateKey, directories: readonly string[]): FoundTemplate {
  const tried = templatePaths(key, directories);
  for (const path of tried) {
    try {
      const text = readTemplate(path);
      if (text !== undefined) return { path, text };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DployError('DPLOY_ERR_BOOT_CONFIG', `cannot read boot template ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  throw new DployError('DPLOY_ERR_BOOT_CONFIG', `no ${key.loader} template for boot state ${key.state}; add one of these files:\n  ${tried.join('\n  ')}`);
}

/** Template texts by path, with the stat they were read under. */
const texts = new Map<string, { version: string; text: string }>();

/** The file's text, read again only when its stat changed (an edit, a replacement); undefined when there is none. */
function readTemplate(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false, bigint: true });
  if (!stat) {
    texts.delete(path);
    return undefined;
  }
  const version = `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  const cached = texts.get(path);
  if (cached?.version === version) return cached.text;
  const text = readFileSync(path, 'utf8');
  texts.set(path, { version, text });
  return text;
}
