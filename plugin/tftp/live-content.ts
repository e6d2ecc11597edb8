// The live route: content rendered per request (per-MAC pxelinux.cfg files,
// grub.cfg-01-<mac>, iPXE scripts) from the host's boot state. The renderer
// lives in boot/; this route only adapts a function to the route contract.

import { bufferSource } from './route.js';
import type { TftpRequest, TftpRoute, TftpSource } from './route.js';

export interface LiveClient {
  address: string;
  port: number;
}

/** Returns the content for `path`, or undefined when the path is not its own. */
export type LiveContent = (path: string, client: LiveClient) => string | Buffer | undefined | Promise<string | Buffer | undefined>;

export function createLiveContentRoute(name: string, render: LiveContent): TftpRoute {
  return {
    name,
    async open(request: TftpRequest): Promise<TftpSource | undefined> {
      const content = await render(request.path, { address: request.clientAddress, port: request.clientPort });
      if (content === undefined) return undefined;
      return bufferSource(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    },
  };
}
