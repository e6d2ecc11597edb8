// What a network-booting machine gets, with the machine looked up live: the
// glue between the TFTP/HTTP requests and the pure renderer. The boot state
// is read at request time, so a job's move shows at the next boot. Each
// answered request of a known machine is recorded: its MAC is the NIC the
// machine booted from, the one source the job's answer file and post-install
// naming read.

import type { Host } from '../model/host.js';
import type { BootPolicy, BootVariables } from './boot-inputs.js';
import type { BootConfigRequest } from './boot-request.js';
import { renderBootConfig } from './render.js';
import { parseBootFileName } from './request-name.js';

export interface BootService {
  /** For the TFTP live route: the config for a file name, or undefined (next route). */
  forTftpPath(path: string, client?: { address: string }): Promise<string | undefined>;
  /** For iPXE over HTTP and `dploy render`: the config for a parsed request. */
  forRequest(request: BootConfigRequest): Promise<string | undefined>;
}

/** What the boot service needs of dploy's machines (plugin/store/boot-requests.ts: bootHosts). */
export interface BootHosts {
  /** The known machine behind a boot request: by its boot MAC, else its SMBIOS UUID. */
  find(request: { mac?: string; uuid?: string }): Promise<Host | undefined>;
  /** The machine was answered a boot config for this NIC (from this address): it booted from it. */
  booted(host: Host, mac: string, clientAddress?: string): Promise<void>;
}

export function createBootService(hosts: BootHosts, policy: BootPolicy, variables: BootVariables): BootService {
  const forRequest = async (request: BootConfigRequest) => {
    const host = await hosts.find({
      ...(request.mac ? { mac: request.mac } : {}),
      ...(request.uuid ? { uuid: request.uuid } : {}),
    });
    const text = await renderBootConfig(request, host, policy, variables);
    if (text !== undefined && host && request.mac) await hosts.booted(host, request.mac, request.clientAddress);
    return text;
  };
  return {
    forRequest,
    async forTftpPath(path, client) {
      const request = parseBootFileName(path);
      return request ? forRequest({ ...request, ...(client ? { clientAddress: client.address } : {}) }) : undefined;
    },
  };
}
