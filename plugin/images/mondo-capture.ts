// engine mondo: the source's own MondoRescue makes the image. dploy runs the
// real mondoarchive with its documented flags, writing an ISO set into a
// scratch directory on the source (mondo needs the room: images.mondoScratchDir),
// streams each ISO into the image store with its SHA-256, removes them there,
// and takes mindi's kernel and initrd out of the first ISO (xorriso, on dploy's
// side) so a restore can boot them over PXE (mindi-pxe.ts).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { DployError } from '../errors.js';
import type { SshSession } from '../remote/ssh-session.js';
import { shellWord } from './layout-probe.js';
import type { ImageManifest, StoredFile } from './manifest.js';
import { isolinuxArgs } from './mindi-pxe.js';
import type { SourceLayout } from './source-layout.js';
import { exitOf, probe, receiveFile } from './ssh-stream.js';

export interface MondoCapture {
  session: SshSession;
  /** Wraps a command to run as root on the source (sudo -n for another user). */
  root: (command: string) => string;
  /** The host's name in dploy, for the operator's messages. */
  host: string;
  name: string;
  /** Where mondoarchive writes its ISOs, scratch and temp files on the source (images.mondoScratchDir). */
  scratchDir: string;
  onProgress?: (message: string) => void;
}

/** The ISO size mondoarchive cuts at (-s): a DVD's, the size its documentation uses. */
const ISO_SIZE = '4480m';

/**
 * mondoarchive's command line: backup (-O) to ISO images (-i) in `dir` named
 * <name>-N.iso (-p), skipping network filesystems (-N), gzip (-G), its scratch
 * and temp dirs below ours (-S, -T) and left out of the backup (-E), the
 * filesystems the layout chose included (-I; both lists pipe-separated).
 */
export function mondoArgv(layout: Pick<SourceLayout, 'filesystems'>, name: string, dir: string, scratchDir: string): string[] {
  return [
    'mondoarchive',
    '-O',
    '-i',
    '-N',
    '-G',
    '-s',
    ISO_SIZE,
    '-d',
    `${dir}/iso`,
    '-p',
    name,
    '-S',
    `${dir}/scratch`,
    '-T',
    `${dir}/tmp`,
    '-I',
    layout.filesystems.map((f) => f.mountpoint).join('|'),
    '-E',
    scratchDir,
  ];
}

export async function captureWithMondo(
  c: MondoCapture,
  layout: SourceLayout,
  work: string,
): Promise<Required<Pick<ImageManifest, 'engine' | 'isos' | 'mondo'>>> {
  const found = await probe(c.session, c.root('command -v mondoarchive || true'), 'looking for mondoarchive');
  if (!found.trim())
    throw new DployError(
      'DPLOY_ERR_IMAGE_CAPTURE',
      `mondoarchive is not installed on ${c.host}; engine mondo needs MondoRescue there (or use the default engine)`,
    );
  const dir = `${c.scratchDir.replace(/\/+$/, '')}/${c.name}`;
  const argv = mondoArgv(layout, c.name, dir, c.scratchDir);
  const q = shellWord(dir);
  try {
    await probe(c.session, c.root(`rm -rf ${q} && mkdir -p ${q}/iso ${q}/scratch ${q}/tmp`), 'making the mondo scratch directory');
    c.onProgress?.(`running ${argv.join(' ')}`);
    // mondoarchive's progress output grows with the backup: it goes to a file, and only its end to a failure's message.
    const out = shellWord(`${dir}/mondoarchive.out`);
    await probe(c.session, c.root(`${argv.map(shellWord).join(' ')} >${out} 2>&1; s=$?; [ $s = 0 ] || tail -c 2000 ${out} >&2; exit $s`), 'mondoarchive');
    const isos = await fetchIsos(c, `${dir}/iso`, work);
    const mindi = await extractMindi(join(work, isos[0]!.file), work, c.host);
    return { engine: 'mondo', isos, mondo: { filesystems: layout.filesystems, prefix: c.name, mindi, argv } };
  } finally {
    // The ISOs are in the store (or the capture failed): they would only fill the source's disk.
    await probe(c.session, c.root(`rm -rf ${q}`), 'removing the mondo scratch directory').catch(() => undefined);
  }
}

/** Each <name>-N.iso in N's order, streamed into the image directory. */
async function fetchIsos(c: MondoCapture, isoDir: string, work: string): Promise<StoredFile[]> {
  const listed = await probe(c.session, c.root(`ls -1 ${shellWord(isoDir)}`), 'listing the ISOs');
  const pattern = new RegExp(`^${c.name.replace(/[.]/g, '\\.')}-(\\d+)\\.iso$`);
  const names = listed
    .split('\n')
    .filter((n) => pattern.test(n))
    .sort((a, b) => Number(pattern.exec(a)![1]) - Number(pattern.exec(b)![1]));
  if (names.length === 0) throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `mondoarchive on ${c.host} exited 0 but wrote no ${c.name}-N.iso in ${isoDir}`);
  const isos: StoredFile[] = [];
  for (const name of names) {
    c.onProgress?.(`copying ${name}`);
    const channel = await c.session.exec(c.root(`cat ${shellWord(`${isoDir}/${name}`)}`));
    const exit = exitOf(channel);
    const file = await receiveFile(channel, join(work, name));
    if ((await exit) !== 0 || c.session.failure())
      throw c.session.failure() ?? new DployError('DPLOY_ERR_IMAGE_CAPTURE', `${c.session.who}: reading ${name} failed`);
    isos.push(file);
  }
  return isos;
}

const run = promisify(execFile);

/** mindi's vmlinuz and initrd.img at the first ISO's root (README.pxe), and its isolinux.cfg's arguments. */
async function extractMindi(iso: string, work: string, host: string): Promise<{ kernel: StoredFile; initrd: StoredFile; args: string[] }> {
  const tmp = await mkdtemp(join(work, '.mindi-'));
  const extract = (from: string, to: string) =>
    run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', from, join(tmp, to)]).then(
      () => true,
      () => false,
    );
  try {
    if (!(await extract('/vmlinuz', 'vmlinuz')) || !(await extract('/initrd.img', 'initrd.img')))
      throw new DployError('DPLOY_ERR_IMAGE_CAPTURE', `the first ISO of ${host} has no /vmlinuz and /initrd.img at its root: not a mindi boot medium`);
    // mindi 2 writes isolinux.cfg at the root, isolinux's own layout keeps it in /isolinux.
    const cfg = (await extract('/isolinux.cfg', 'isolinux.cfg')) || (await extract('/isolinux/isolinux.cfg', 'isolinux.cfg'));
    const args = cfg ? isolinuxArgs(await readFile(join(tmp, 'isolinux.cfg'), 'utf8')) : [];
    const kernel = await keep(join(tmp, 'vmlinuz'), join(work, 'mindi-vmlinuz'));
    const initrd = await keep(join(tmp, 'initrd.img'), join(work, 'mindi-initrd.img'));
    return { kernel, initrd, args };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function keep(from: string, to: string): Promise<StoredFile> {
  await rename(from, to);
  const hash = createHash('sha256');
  await pipeline(createReadStream(to), hash);
  return { file: to.slice(to.lastIndexOf('/') + 1), bytes: (await stat(to)).size, sha256: hash.digest('hex') };
}
