// Kept for callers outside installers/ (server.ts, cli/render.ts).
export { installImageProvider, type InstallImageOptions } from './linuxcoe/install-image.js';
