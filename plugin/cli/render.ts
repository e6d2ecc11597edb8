// dploy render <host> boot [--firmware bios|uefi] [--arch A] [--loader ipxe]
// Prints what that machine would get at its next network boot.

import { Command } from 'commander';
import { renderForHost } from '../boot/index.js';
import { bootPolicy, bootVariablesFor, httpBaseUrl } from '../boot-wiring.js';
import { DployError } from '../errors.js';
import type { Architecture } from '../model/inventory.js';
import { getHost } from '../store/hosts.js';
import { installImageProvider } from '../installers/install-image.js';
import { configOf, print, printJson, withStore } from './context.js';

export function renderCommand(): Command {
  return new Command('render')
    .description('print what a machine gets at its next network boot')
    .argument('<host>', 'id, name or MAC')
    .argument('<what>', '"boot" (answer files come with the installers)')
    .option('--firmware <firmware>', 'bios or uefi', 'bios')
    .option('--arch <arch>', 'x86_64, i386, aarch64, ia64 (default: the inventory\'s, else x86_64)')
    .option('--loader <loader>', 'force a loader: pxelinux, grub, elilo, ipxe')
    .option('--json')
    .action(async (ref: string, what: string, o: { firmware: string; arch?: string; loader?: string; json?: boolean }, command: Command) => {
      if (what !== 'boot') throw new DployError('DPLOY_ERR_INVALID_INPUT', `cannot render "${what}": only "boot" so far`);
      if (o.firmware !== 'bios' && o.firmware !== 'uefi') throw new DployError('DPLOY_ERR_INVALID_INPUT', '--firmware is bios or uefi');
      const { config } = configOf(command);
      const rendered = await withStore(command, async (store) => {
        const host = await getHost(store.db.manager, ref);
        const arch = (o.arch ?? host.arch ?? 'x86_64') as Architecture;
        const baseUrl = httpBaseUrl(config, config.http.port);
        return renderForHost(host, { firmware: o.firmware as 'bios' | 'uefi', arch, ...(o.loader ? { loader: o.loader as 'ipxe' } : {}) },
          bootPolicy(config), bootVariablesFor(config, store.db, () => baseUrl, installImageProvider(store.db, () => baseUrl)));
      });
      if (o.json) return printJson(rendered);
      const text = rendered.text ?? '(nothing: dploy stays silent for this machine and the next TFTP route answers)';
      print(`# ${rendered.loader}: ${rendered.path}\n${text.endsWith('\n') ? text : `${text}\n`}`);
    });
}
