// What dploy knows of one network boot loader: the names it asks for its
// config, in its order, and how to read a requested name back into "which
// machine". smart-proxy keeps a loader in one class the same way; a loader
// here is one file plus one line in index.ts.

import type { Architecture } from '../../model/inventory.js';
import type { Firmware } from '../../model/host.js';
import type { BootConfigRequest, BootLoader } from '../boot-request.js';
import type { KernelSyntax } from './kernel-words.js';

/** A machine as loaders name it: its boot NIC, SMBIOS UUID (DHCP option 97), IPv4 address. */
export interface BootIdentity {
  mac: string;
  uuid?: string;
  ip: string;
}

/** Where a loader asks from, as the site set it up. */
export interface LoaderPlace {
  /** Directory the loader was loaded from ('' the TFTP root): pxelinux's and elilo's working directory. */
  directory?: string;
  /** GRUB's $prefix as a TFTP path (default /grub). */
  grubPrefix?: string;
  /** The machine's architecture: elilo's build suffix, iPXE's query. */
  arch?: Architecture;
}

/** A TFTP file name, split: the last segment, and the directories before it (each already checked safe). */
export interface RequestedName {
  name: string;
  directories: readonly string[];
}

export interface BootLoaderRules {
  readonly name: BootLoader;
  /** Firmware the loader implies when neither the request nor the host says (pxelinux runs on BIOS only). */
  readonly firmware?: Firmware;
  /** Loaders that ask over TFTP: which names are theirs, and what each says. */
  readonly tftp?: {
    /** The first loader in the registry that claims a name reads it; no other loader sees it. */
    claims(requested: RequestedName): boolean;
    /** undefined: not a config name after all (a kernel, a typo), left to the next TFTP route. */
    read(requested: RequestedName): BootConfigRequest | undefined;
  };
  /** Loaders that ask over HTTP (iPXE): the URL path, and what its query says. */
  readonly http?: {
    path: string;
    read(query: URLSearchParams | Record<string, string | string[] | undefined>): BootConfigRequest;
  };
  /** How its config file writes a kernel command line and file paths. */
  readonly kernel: KernelSyntax;
  /** The name a machine asks for its own config by MAC (`dploy render` shows it). */
  pathFor(mac: string, place: LoaderPlace): string;
  /** Every name the loader asks, in the order it asks. */
  searchOrder(who: BootIdentity, place: LoaderPlace): string[];
}
