// dploy_image_engines: the capture engine an image task was set with, per
// machine, read when its job captures. The host tools' task fields hold the
// image's name and nothing more, so the engine lives here, as a command
// task's command does (remote-commands.ts); no row is the default, tar+zstd.

import type { EntityManager } from 'typeorm';

export const IMAGE_ENGINES = ['tar', 'mondo'] as const;
export type ImageEngine = (typeof IMAGE_ENGINES)[number];

interface ImageEngineRow {
  host_id: number;
  engine: string;
  set_at: Date | string;
}

export function isImageEngine(value: string): value is ImageEngine {
  return (IMAGE_ENGINES as readonly string[]).includes(value);
}

/** Set with each task: a task set without --engine (or from a host tool's console) captures with tar. */
export async function setImageEngine(db: EntityManager, hostIds: number[], engine: ImageEngine): Promise<void> {
  const repo = db.getRepository<ImageEngineRow>('ImageEngine');
  for (const host_id of hostIds) {
    await repo.delete({ host_id });
    if (engine !== 'tar') await repo.insert({ host_id, engine, set_at: new Date() });
  }
}

export async function imageEngineFor(db: EntityManager, hostId: number): Promise<ImageEngine> {
  const row = await db.getRepository<ImageEngineRow>('ImageEngine').findOneBy({ host_id: hostId });
  return row && isImageEngine(row.engine) ? row.engine : 'tar';
}
