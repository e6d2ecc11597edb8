// `dploy boot-env build`: dploy's boot environment from Debian packages.
// apt-get downloads the kernel and the tools with everything they depend on
// (into a cache, kept between builds), dpkg-deb unpacks them into one tree,
// the kernel's modules are cut to storage, NICs and filesystems, the agent
// scripts and pxe/bootenv/init join them, and the tree becomes one
// zstd-compressed initramfs. The kernel and initramfs go to
// <tftp.root>/dploy/<arch>/ with a manifest.json listing every package and
// version; a build whose package set has not changed is not redone.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, symlinkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DployError } from '../errors.js';
import { withBuildLock } from './build-lock.js';
import { BOOT_ENV_PACKAGES, BOOT_MODULES, GRUB_PACKAGES, KERNEL_METAPACKAGE, MODULE_DIRS } from './packages.js';

const run = promisify(execFile);

/** Bumped when the way the tree is made changes, so an older build is not taken for current. */
const RECIPE = 3;

/** Unpacked with the packages but used by nothing the boot environment runs (maintainer scripts, documentation, Wi-Fi). */
const UNUSED = [
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'usr/share/perl',
  'usr/share/perl5',
  'usr/lib/x86_64-linux-gnu/perl',
  'usr/lib/x86_64-linux-gnu/perl-base',
  'usr/lib/x86_64-linux-gnu/gconv',
  'usr/lib/python3*',
  'usr/lib/dracut',
  'lib/udev/hwdb.bin',
  'lib/modules/*/kernel/drivers/net/wireless',
  'lib/modules/*/kernel/net/wireless',
  'lib/modules/*/kernel/net/mac80211',
  'lib/modules/*/kernel/net/bluetooth',
];
const sh = async (script: string, cwd?: string) => (await run('sh', ['-ec', script], { maxBuffer: 64 * 2 ** 20, ...(cwd ? { cwd } : {}) })).stdout;

export interface BootEnvOptions {
  arch: string;
  tftpRoot: string;
  cacheDir: string;
  /** agent-scripts/ and pxe/bootenv/ of this dploy. */
  agentScriptsDir: string;
  initScript: string;
  onProgress?: (message: string) => void;
}

export interface BootEnvManifest {
  format: 'dploy-bootenv/1';
  arch: string;
  kernelVersion: string;
  packages: Array<{ name: string; version: string }>;
  files: { vmlinuz: { bytes: number; sha256: string }; initrd: { bytes: number; sha256: string } };
  builtAt: string;
  /** SHA-256 of the package list, the init and the agent scripts: what decides whether a build is still current. */
  key: string;
}

export async function buildBootEnvironment(o: BootEnvOptions): Promise<{ manifest: BootEnvManifest; cached: boolean }> {
  const meta = KERNEL_METAPACKAGE[o.arch];
  const grub = GRUB_PACKAGES[o.arch];
  if (!meta || !grub)
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `no boot environment recipe for ${o.arch} (known: ${Object.keys(KERNEL_METAPACKAGE).join(', ')})`);
  const say = o.onProgress ?? (() => {});
  const suffix = `:${o.arch}`;
  const kernelPackage = /Depends: (linux-image-\S+)/.exec(await sh(`apt-cache depends ${meta}${suffix}`))?.[1]?.replace(suffix, '');
  if (!kernelPackage)
    throw new DployError(
      'DPLOY_ERR_CONFIG',
      `apt knows no ${meta} for ${o.arch}: run apt-get update (and dpkg --add-architecture ${o.arch} for another architecture)`,
    );
  const wanted = [...BOOT_ENV_PACKAGES, ...grub, kernelPackage];
  const packages = await closure(wanted, o.arch);
  const out = join(o.tftpRoot, 'dploy', o.arch);
  const key = hash(JSON.stringify([packages, UNUSED, MODULE_DIRS, BOOT_MODULES, RECIPE]) + readFileSync(o.initScript, 'utf8') + scriptsText(o.agentScriptsDir));
  mkdirSync(o.cacheDir, { recursive: true });
  return withBuildLock(o.cacheDir, o.arch, () => build(o, packages, key, out), {
    onWait: (pid) => say(`waiting for the build already under way (pid ${pid}) in ${o.cacheDir}`),
  });
}

async function build(
  o: BootEnvOptions,
  packages: Array<{ name: string; version: string }>,
  key: string,
  out: string,
): Promise<{ manifest: BootEnvManifest; cached: boolean }> {
  const say = o.onProgress ?? (() => {});
  const suffix = `:${o.arch}`;
  const current = readManifest(out);
  if (current?.key === key) return { manifest: current, cached: true };

  const debs = join(o.cacheDir, 'debs', o.arch);
  mkdirSync(debs, { recursive: true });
  const missing = packages.filter((p) => !debFile(debs, p, o.arch));
  say(`${packages.length} packages, ${missing.length} to download into ${debs}`);
  for (let i = 0; i < missing.length; i += 40)
    await run('apt-get', ['download', '-q', ...missing.slice(i, i + 40).map((p) => `${p.name}${suffix}=${p.version}`)], { cwd: debs, maxBuffer: 16 * 2 ** 20 });

  const root = join(o.cacheDir, `root-${o.arch}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  say(`unpacking into ${root}`);
  for (const p of packages) {
    const deb = debFile(debs, p, o.arch);
    if (!deb) throw new DployError('DPLOY_ERR_CONFIG', `apt-get download gave no .deb for ${p.name} ${p.version} in ${debs}`);
    await run('dpkg-deb', ['-x', deb, root]);
  }
  // Debian 12 keeps /bin, /sbin, /lib as real directories in packages; usrmerge links are made by a maintainer script.
  const kernelVersion = readdirSync(join(root, 'lib/modules'))[0]!;
  await trimModules(root, kernelVersion);
  await sh(`rm -rf ${UNUSED.filter((p) => p.startsWith('lib/modules')).join(' ')}`, root);
  await run('chroot', [root, 'depmod', kernelVersion]);
  await sh(`rm -rf ${UNUSED.join(' ')}`, root);
  // dpkg's maintainer scripts make /bin/sh; unpacked by hand it is made here, to dash.
  if (!existsSync(join(root, 'bin/sh'))) symlinkSync('dash', join(root, 'bin/sh'));
  // busybox's applets, only where no package brings the tool: `busybox --install` would put its tar before GNU tar.
  const applets = join(root, 'usr/lib/busybox-applets');
  mkdirSync(applets, { recursive: true });
  const bins = ['usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin'];
  for (const applet of (await run('chroot', [root, '/bin/busybox', '--list'])).stdout.split('\n').filter(Boolean))
    if (!bins.some((d) => existsSync(join(root, d, applet)))) symlinkSync('/bin/busybox', join(applets, applet));
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  for (const f of readdirSync(o.agentScriptsDir)) copyFileSync(join(o.agentScriptsDir, f), join(root, 'usr/local/bin', f));
  copyFileSync(o.initScript, join(root, 'init'));
  chmodSync(join(root, 'init'), 0o755);
  writeFileSync(join(root, 'etc/dploy-modules'), BOOT_MODULES.join('\n') + '\n');
  writeFileSync(join(root, 'etc/dploy-bootenv-version'), `${o.arch} ${key.slice(0, 12)}\n`);

  const staging = join(o.cacheDir, `out-${o.arch}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  say('packing the initramfs');
  await sh(`find . -path ./boot -prune -o -print | busybox cpio -o -H newc 2>/dev/null | zstd -q -T0 -10 > '${staging}/initrd.img'`, root);
  const kernel = readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'))!;
  copyFileSync(join(root, 'boot', kernel), join(staging, 'vmlinuz'));
  const manifest: BootEnvManifest = {
    format: 'dploy-bootenv/1',
    arch: o.arch,
    kernelVersion,
    packages,
    files: { vmlinuz: fileFacts(join(staging, 'vmlinuz')), initrd: fileFacts(join(staging, 'initrd.img')) },
    builtAt: new Date().toISOString(),
    key,
  };
  writeFileSync(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  mkdirSync(join(o.tftpRoot, 'dploy'), { recursive: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  rmSync(root, { recursive: true, force: true });
  return { manifest, cached: false };
}

/** The packages and their dependencies, as apt resolves them for the architecture, each at its candidate version. */
async function closure(names: readonly string[], arch: string): Promise<Array<{ name: string; version: string }>> {
  const deps = await sh(
    `apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances ${names.map((n) => `${n}:${arch}`).join(' ')}`,
  );
  const all = [...new Set(deps.split('\n').filter((l) => l && !l.startsWith(' ') && !l.startsWith('<')))].map((n) => n.replace(/:.*$/, ''));
  const policy = await sh(`apt-cache policy ${all.map((n) => `${n}:${arch}`).join(' ')}`);
  const versions = new Map<string, string>();
  let current = '';
  for (const line of policy.split('\n')) {
    const name = /^(\S+?)(:\S+)?:$/.exec(line);
    if (name) current = name[1]!;
    const candidate = /^\s+Candidate: (\S+)/.exec(line);
    if (candidate && candidate[1] !== '(none)') versions.set(current, candidate[1]!);
  }
  return [...versions.entries()].map(([name, version]) => ({ name, version })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The downloaded .deb of a package at its version (apt-get download writes the epoch's colon as %3a; _all or _<arch>). */
function debFile(debs: string, p: { name: string; version: string }, arch: string): string | undefined {
  const v = p.version.replace(':', '%3a');
  return [`${p.name}_${v}_${arch}.deb`, `${p.name}_${v}_all.deb`].map((n) => join(debs, n)).find((f) => existsSync(f));
}

/**
 * Keeps the module trees of MODULE_DIRS and every module they need from elsewhere (modules.dep of the whole
 * kernel, read before the cut): sd_mod needs block/t10-pi, nvme_core lib/crc64-rocksoft, ixgbe drivers/dca.
 * Cut by directory alone, those failed to load and SCSI, SAS and NVMe disks went unseen.
 */
async function trimModules(root: string, version: string): Promise<void> {
  await run('chroot', [root, 'depmod', version]);
  const tree = join(root, 'lib/modules', version);
  const needs = new Map<string, string[]>();
  for (const line of readFileSync(join(tree, 'modules.dep'), 'utf8').split('\n')) {
    const [module, deps] = line.split(':');
    if (module && deps !== undefined) needs.set(module, deps.split(' ').filter(Boolean));
  }
  const keep = new Set<string>();
  for (const [module, deps] of needs) {
    if (!MODULE_DIRS.some((d) => module.startsWith(`kernel/${d}/`))) continue;
    keep.add(module);
    for (const dep of deps) keep.add(dep); // modules.dep lists the whole closure, not only direct needs
  }
  for (const module of needs.keys()) if (!keep.has(module)) rmSync(join(tree, module));
  await sh('find kernel -type d -empty -delete', tree);
}

function scriptsText(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

function readManifest(dir: string): BootEnvManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BootEnvManifest;
  } catch {
    return undefined;
  }
}

function fileFacts(path: string): { bytes: number; sha256: string } {
  return { bytes: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
