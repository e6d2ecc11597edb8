// What a network-booting machine gets, with the machine looked up live in the
// store: the glue between the TFTP/HTTP requests and the pure renderer. The
// boot state is read at request time, so a job's move shows at the next boot.
// Each answered request of a known machine is recorded (store/boot-requests):
// its MAC is the NIC the machine booted from, the one source the job's answer
// file and post-install naming read.

import type { DataSource } from 'typeorm';
import type { Host } from '../model/host.js';
import { recordBootRequest, recordSeenBootNic } from '../store/boot-requests.js';
import { findBootingHost } from '../store/hosts.js';
import { activeJobForHost } from '../store/jobs.js';
import { bindJobAddress } from '../store/job-binding.js';
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

export function createBootService(db: DataSource, policy: BootPolicy, variables: BootVariables): BootService {
  const forRequest = async (request: BootConfigRequest) => {
    const host = await findBootingHost(db.manager, {
      ...(request.mac ? { mac: request.mac } : {}), ...(request.uuid ? { uuid: request.uuid } : {}),
    });
    const text = await renderBootConfig(request, host, policy, variables);
    if (text !== undefined && host && request.mac) await recordBoot(db, host, request.mac, request.clientAddress);
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

/**
 * A network-booting job is bound to the NIC it booted from; any boot teaches
 * the host its boot NIC. A discover job is also bound to the first address
 * that fetches its entry: only that address may then post the machine's
 * inventory (store/job-binding.ts; an install job binds in its image provider).
 */
async function recordBoot(db: DataSource, host: Host, mac: string, clientAddress: string | undefined): Promise<void> {
  const job = host.bootState.kind === 'localboot' ? undefined : await activeJobForHost(db.manager, host.id);
  if (job?.kind === 'discover' && clientAddress) await bindJobAddress(db.manager, job.id, clientAddress);
  if (job) await recordBootRequest(db.manager, job, { mac });
  else await recordSeenBootNic(db.manager, host, mac);
}
