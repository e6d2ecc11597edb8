// Boot-config capability: which machine a TFTP name or iPXE request means,
// and the config text it gets. The TFTP route calls parseBootFileName, looks
// the host up by request.mac / request.uuid, then renderBootConfig; the iPXE
// HTTP route does the same with parseIpxeQuery. The DHCP writers use the
// option 93 table. docs/pxe.md explains the names and the templates.

export type { BootContext, BootImage, BootPolicy, BootVariables, NetbootState, UnknownHostAction } from './boot-inputs.js';
export type { BootConfigRequest, BootLoader } from './boot-request.js';
export { BOOT_LOADERS } from './boot-request.js';
export type { ClientArchitecture } from './client-arch.js';
export { CLIENT_ARCHITECTURES, clientArchitecture } from './client-arch.js';
export { parseIpxeQuery } from './ipxe-query.js';
export { chooseBootState, renderBootConfig } from './render.js';
export type { MachineBoot, RenderedBootConfig } from './render-for-host.js';
export { loaderFor, renderForHost } from './render-for-host.js';
export { parseBootFileName } from './request-name.js';
export { eliloSearchOrder, grubSearchOrder, pxelinuxSearchOrder } from './search-order.js';
export { SHIPPED_TEMPLATE_DIR } from './template-lookup.js';
