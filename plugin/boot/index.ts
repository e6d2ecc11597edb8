// Boot-config capability: which machine a TFTP name or iPXE request means,
// and the config text it gets. The TFTP route calls parseBootFileName, looks
// the host up by request.mac / request.uuid, then renderBootConfig; the iPXE
// HTTP route does the same with parseIpxeQuery. Each loader's naming rules
// are one file in loaders/, listed in loaders/index.ts. The DHCP writers use the
// option 93 table. docs/pxe.md explains the names and the templates.

export type { BootContext, BootImage, BootPolicy, BootVariables, NetbootState, UnknownHostAction } from './boot-inputs.js';
export type { BootConfigRequest, BootLoader } from './boot-request.js';
export type { ClientArchitecture } from './client-arch.js';
export { CLIENT_ARCHITECTURES, clientArchitecture } from './client-arch.js';
export { chooseBootState, renderBootConfig } from './render.js';
export type { MachineBoot, RenderedBootConfig } from './render-for-host.js';
export { loaderFor, renderForHost } from './render-for-host.js';
export { parseBootFileName } from './request-name.js';
export type { BootIdentity, BootLoaderRules, LoaderPlace } from './loaders/index.js';
export { BOOT_LOADERS, eliloSearchOrder, grubSearchOrder, LOADERS, loaderRules, parseIpxeQuery, pxelinuxSearchOrder } from './loaders/index.js';
export { SHIPPED_TEMPLATE_DIR } from './template-lookup.js';
