// The `it` object every boot template sees. Everything that comes from a
// host or a profile is checked and written in the loader's syntax here, so
// templates only place finished strings (kernel-args.ts says how).

import { DployError } from '../errors.js';
import type { BootState } from '../model/host.js';
import type { BootContext, BootImage, BootPolicy, BootVariables } from './boot-inputs.js';
import { displayName, formatBootPath, formatKernelArgs } from './kernel-args.js';
import { loaderRules } from './loaders/index.js';

export interface BootTemplateData {
  loader: BootContext['loader'];
  state: BootState['kind'];
  /** Profile or image name, display-safe; '' for states without one. */
  target: string;
  hostName: string;
  known: boolean;
  title: string;
  macs: string[];
  arch: string;
  firmware: string;
  /** `01-aa-bb-…`, pxelinux's BOOTIF form. */
  bootif: string;
  kernel: string;
  initrds: string[];
  commandLine: string;
  httpBaseUrl: string;
  timeoutSeconds: number;
  timeoutTenths: number;
  /** ESP loaders to chain to for a UEFI local boot, tried in order (the MAAS list, per arch). */
  localEfiLoaders: string[];
}

const LOCAL_EFI_LOADERS: Record<string, string[]> = {
  x86_64: [
    'boot/bootx64.efi',
    'debian/shimx64.efi',
    'ubuntu/shimx64.efi',
    'redhat/shimx64.efi',
    'rocky/shimx64.efi',
    'centos/shimx64.efi',
    'opensuse/shim.efi',
    'sles/shim.efi',
    'Microsoft/Boot/bootmgfw.efi',
  ],
  aarch64: [
    'boot/bootaa64.efi',
    'debian/shimaa64.efi',
    'ubuntu/shimaa64.efi',
    'redhat/shimaa64.efi',
    'rocky/shimaa64.efi',
    'opensuse/shim.efi',
    'sles/shim.efi',
  ],
  i386: ['boot/bootia32.efi', 'debian/grubia32.efi'],
};

const fail = (message: string): never => {
  throw new DployError('DPLOY_ERR_BOOT_CONFIG', message);
};

/** Where the loader fetches a kernel or initrd from. */
function locate(path: string, context: BootContext, variables: BootVariables, owner: string): string {
  const base = variables.fileBaseUrl ?? `${variables.httpBaseUrl.replace(/\/+$/, '')}/boot/files/`;
  return formatBootPath(loaderRules(context.loader).kernel.path(path, base, owner, fail), context.loader, owner);
}

function commandLine(image: BootImage, initrds: string[], bootif: string, context: BootContext, owner: string): string {
  if (image.args.some((word) => /^BOOTIF=/i.test(word))) {
    fail(`the boot image for ${owner} carries its own BOOTIF=; leave it out, the renderer adds it`);
  }
  return formatKernelArgs(loaderRules(context.loader).kernel.words(image.args, initrds, bootif, owner, fail), context.loader, owner);
}

export interface DataInput {
  state: BootState;
  context: BootContext;
  image: BootImage | undefined;
  policy: BootPolicy;
  variables: BootVariables;
}

export function buildTemplateData({ state, context, image, policy, variables }: DataInput): BootTemplateData {
  const host = context.host;
  const bootif = context.bootMac ? `01-${context.bootMac.replace(/:/g, '-')}` : '';
  const hostName = displayName(host ? host.name : `unknown-${bootif.slice(3) || 'machine'}`);
  const owner = host ? `host ${JSON.stringify(host.name)}` : `unknown machine ${context.bootMac ?? ''}`.trim();
  const named = state.kind === 'install' ? state.profile : state.kind === 'restore' ? state.image : undefined;
  const target = named === undefined ? '' : displayName(named);
  const initrds = image ? image.initrds.map((path) => locate(path, context, variables, owner)) : [];
  const arch = context.arch ?? '';
  return {
    loader: context.loader,
    state: state.kind,
    target,
    hostName,
    known: host !== undefined,
    title: `dploy ${state.kind}${target ? ` ${target}` : ''} on ${hostName}`,
    macs: host?.macs ?? (context.bootMac ? [context.bootMac] : []),
    arch,
    firmware: context.firmware ?? '',
    bootif,
    kernel: image ? locate(image.kernel, context, variables, owner) : '',
    initrds,
    commandLine: image ? commandLine(image, initrds, bootif, context, owner) : '',
    httpBaseUrl: variables.httpBaseUrl,
    timeoutSeconds: policy.menuTimeoutSeconds,
    timeoutTenths: Math.round(policy.menuTimeoutSeconds * 10),
    localEfiLoaders: LOCAL_EFI_LOADERS[arch] ?? LOCAL_EFI_LOADERS.x86_64 ?? [],
  };
}
