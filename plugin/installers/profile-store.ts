// Kept for the callers outside installers/ (jobs/set-task.ts, tests): the
// profile store lives in linuxcoe/.
export { getProfile, listProfiles, saveProfile } from './linuxcoe/profile-store.js';
