// Kept for callers outside installers/: profiles live in linuxcoe/.
export { parseProfile, type Profile } from './linuxcoe/profile.js';
