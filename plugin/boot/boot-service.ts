// What a network-booting machine gets, with the machine looked up live in the
// store: the glue between the TFTP/HTTP requests and the pure renderer. The
// boot state is read at request time, so a job's move shows at the next boot.

import type { DataSource } from 'typeorm';
import { findBootingHost } from '../store/hosts.js';
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
    return renderBootConfig(request, host, policy, variables);
  };
  return {
    forRequest,
    async forTftpPath(path, client) {
      const request = parseBootFileName(path);
      return request ? forRequest({ ...request, ...(client ? { clientAddress: client.address } : {}) }) : undefined;
    },
  };
}
