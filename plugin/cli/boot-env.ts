// dploy boot-env build [--arch A] [--cache-dir DIR]: dploy's boot environment
// (kernel + initramfs) from Debian packages into <tftp.root>/dploy/<arch>/,
// with a manifest.json of its packages; an unchanged package set is not rebuilt.
// Discovery (boot.discoverEnvironment auto, the default) and restores boot it once it is built.

import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { buildBootEnvironment } from '../bootenv/build.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { configOf, print, printJson } from './context.js';

export function bootEnvCommand(): Command {
  const bootEnv = new Command('boot-env').description("dploy's boot environment for discovery and restores (docs/images.md)");
  bootEnv
    .command('build')
    .description('build the kernel and initramfs from Debian packages (apt-get download) into the TFTP root')
    .option('--arch <arch>', "Debian architecture (default: this machine's)")
    .option('--cache-dir <dir>', 'downloaded packages, kept between builds', './var/cache/boot-env')
    .option('--json')
    .action(async (o: { arch?: string; cacheDir: string; json?: boolean }, command: Command) => {
      const { config } = configOf(command);
      const arch = o.arch ?? execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
      const tftpRoot = resolve(config.tftp.root);
      const { manifest, cached } = await buildBootEnvironment({
        arch,
        tftpRoot,
        cacheDir: resolve(o.cacheDir),
        agentScriptsDir: join(PACKAGE_ROOT, 'agent-scripts'),
        initScript: join(PACKAGE_ROOT, 'pxe/bootenv/init'),
        onProgress: (m) => process.stderr.write(`boot-env: ${m}\n`),
      });
      if (o.json) return printJson({ ...manifest, cached });
      print(
        `${cached ? 'up to date' : 'built'}: ${tftpRoot}/dploy/${arch}/vmlinuz (Linux ${manifest.kernelVersion}) and initrd.img (${manifest.files.initrd.bytes} bytes), ` +
          `${manifest.packages.length} Debian packages listed in manifest.json\n` +
          `discovery and restores of ${arch} machines boot it (boot.discoverEnvironment auto); its kernel arguments are boot.bootEnvArgs\n`,
      );
    });
  return bootEnv;
}
