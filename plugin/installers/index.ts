// Installers capability: what an automated install is made of, one folder per
// job it does. catalog/ (the releases dploy installs, as data), profiles/ (the
// operator's description of a system, validated and stored), media/ (imported
// install trees and where an install reads from), answers/ (everything a job
// renders from those: answer file, boot entry, the check when the job opens).
// The dependencies point one way: catalog <- profiles, media <- answers.
// Mondo images will sit beside them as their own folder. This file is the
// face the rest of dploy imports; tests of one piece may import its file.

export type { AnswerData, AnswerInputs } from './answers/answer-context.js';
export { answerData } from './answers/answer-context.js';
export type { AnswerPart } from './answers/answer-file.js';
export { ANSWER_PART_NAMES, renderAnswerData, renderAnswerFile } from './answers/answer-file.js';
export type { InstallImageOptions } from './answers/install-image.js';
export { installImageProvider } from './answers/install-image.js';
export type { InstallPreflight } from './answers/install-preflight.js';
export { installPreflight } from './answers/install-preflight.js';
export { jobAnswerInputs } from './answers/job-answer.js';
export type { AnswerKind, CatalogEntry, CryptFormat, OsFamily } from './catalog/catalog.js';
export { CATALOG, catalogEntry, findCatalogEntry } from './catalog/catalog.js';
export { mediaKey } from './catalog/catalog-entry.js';
export type { MirrorView } from './media/install-source.js';
export type { ImportedMedia } from './media/media-store.js';
export { importMedia, listMedia, MEDIA_STAMP, mirrorView, removeMedia } from './media/media-store.js';
export type { Profile, ProfileUser } from './profiles/profile.js';
export { profileSchema } from './profiles/profile-schema.js';
export { keepHiddenHashes, maskProfile, openProfile, parseProfile, validateProfile } from './profiles/profile.js';
export { DEFAULT_SECRET_KEY_FILE, getProfile, listProfiles, saveProfile, storeProfile } from './profiles/profile-store.js';
