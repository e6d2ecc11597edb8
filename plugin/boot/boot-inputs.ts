// What the caller hands the renderer: the site's policy (a config slice,
// validated once) and the variables that say what a state boots. The
// installers code supplies install/restore images, the discover code mindi's.

import type { Architecture } from '../model/inventory.js';
import type { BootState, Firmware, Host } from '../model/host.js';
import type { BootLoader } from './boot-request.js';

/** A kernel to boot, as the caller knows it. */
export interface BootImage {
  /** Path in the TFTP root (`mindi/vmlinuz`) or an http(s) URL (iPXE, lpxelinux, GRUB http). */
  kernel: string;
  initrds: string[];
  /**
   * Kernel command line, one word per entry: answer-file URL, `dploy.url=…`,
   * `dploy.token=…` and so on. Leave BOOTIF out: the renderer adds it
   * (IPAPPEND 2 on pxelinux, BOOTIF=01-… elsewhere) and refuses a second one.
   */
  args: string[];
  /** Template lookup key, e.g. debian, redhat, suse (see template-lookup.ts). */
  osFamily?: string;
}

/** What the image callback may base its answer on. */
export interface BootContext {
  loader: BootLoader;
  host?: Host;
  arch?: Architecture;
  firmware?: Firmware;
  /** The NIC the machine boots from, lower case with colons. */
  bootMac?: string;
  /** Who asked (TFTP or HTTP client address); `dploy render` has none. */
  clientAddress?: string;
}

export type NetbootState = Exclude<BootState, { kind: 'localboot' }>;

export interface BootVariables {
  /** dploy's HTTP base URL as machines reach it, e.g. http://192.0.2.10:8080 */
  httpBaseUrl: string;
  /** Base for relative kernel/initrd paths in iPXE scripts; default `${httpBaseUrl}/boot/files/`. */
  fileBaseUrl?: string;
  /**
   * Kernel, initrds and arguments for a state that boots one. Throw a DployError when none fits.
   * undefined: the machine's job is past its network boot (it reported "installed" and reboots
   * before the runner puts the boot state back): it boots its disk.
   */
  image(state: NetbootState, context: BootContext): BootImage | undefined | Promise<BootImage | undefined>;
}

export type UnknownHostAction = 'discover' | 'ignore' | 'localboot';

export interface BootPolicy {
  /** A MAC dploy does not know: boot mindi, stay silent (next TFTP route / 404), or boot the disk. */
  unknownHost: UnknownHostAction;
  /** Seconds a menu waits before its default entry. */
  menuTimeoutSeconds: number;
  /** Operator's template directory, searched before the shipped pxe/boot/. */
  templateOverrideDir?: string;
  /** The shipped templates; defaults to pxe/boot/ in this checkout. */
  shippedTemplateDir?: string;
  /** GRUB's $prefix as a TFTP path, used by renderForHost to name the file (default /grub). */
  grubPrefix?: string;
}
