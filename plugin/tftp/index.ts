// The TFTP capability: a read-only server (server.ts) answering through an
// ordered chain of routes (route.ts): live boot configs first, then the static
// root. See docs/tftp.md for what it supports and its limits.

export { createTftpServer } from './server.js';
export type { TftpServer, TftpStats } from './server.js';
export type { TftpServerOptions, TftpSettings } from './settings.js';
export type { TftpLogger, TftpRequest, TftpRoute, TftpSource } from './route.js';
export { bufferSource } from './route.js';
export { createStaticRootRoute } from './static-root.js';
export type { StaticRootOptions } from './static-root.js';
export { createLiveContentRoute } from './live-content.js';
export type { LiveClient, LiveContent } from './live-content.js';
export { FileCache } from './file-cache.js';
export type { FileCacheLimits } from './file-cache.js';
