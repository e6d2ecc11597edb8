// `dploy render <host> boot --firmware uefi`: the file a given machine would
// receive, named as that machine would ask for it from its boot NIC (the
// host's known one: seen, given, or guessed; model/boot-nic.ts).

import { DployError } from '../errors.js';
import type { Architecture } from '../model/inventory.js';
import { hostBootNic } from '../model/boot-nic.js';
import type { Firmware, Host } from '../model/host.js';
import type { BootPolicy, BootVariables } from './boot-inputs.js';
import type { BootConfigRequest, BootLoader } from './boot-request.js';
import { loaderRules } from './loaders/index.js';
import { renderBootConfig } from './render.js';

export interface MachineBoot {
  firmware: Firmware;
  arch: Architecture;
  /** Force a loader (ipxe); otherwise BIOS -> pxelinux, ia64 -> elilo, other UEFI -> GRUB. */
  loader?: BootLoader;
}

export interface RenderedBootConfig {
  loader: BootLoader;
  /** The TFTP path (or iPXE URL path) the machine asks for. */
  path: string;
  /** undefined when the template declines (elilo local boot). */
  text: string | undefined;
}

export function loaderFor(machine: MachineBoot): BootLoader {
  if (machine.loader) return machine.loader;
  if (machine.arch === 'ia64') return 'elilo';
  return machine.firmware === 'bios' ? 'pxelinux' : 'grub';
}

export async function renderForHost(host: Host, machine: MachineBoot, policy: BootPolicy, variables: BootVariables): Promise<RenderedBootConfig> {
  const mac = hostBootNic(host)?.mac;
  if (!mac) throw new DployError('DPLOY_ERR_INVALID_INPUT', `host ${host.name} has no MAC address; a network boot config is chosen by MAC`);
  const loader = loaderFor(machine);
  const request: BootConfigRequest = {
    loader,
    mac,
    isDefault: false,
    directory: '',
    arch: machine.arch,
    firmware: machine.firmware,
    ...(host.uuid ? { uuid: host.uuid } : {}),
  };
  const text = await renderBootConfig(request, host, policy, variables);
  return { loader, path: loaderRules(loader).pathFor(mac, { arch: machine.arch, ...(policy.grubPrefix ? { grubPrefix: policy.grubPrefix } : {}) }), text };
}
