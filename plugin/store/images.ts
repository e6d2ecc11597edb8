// dploy_images: one row per image in the image store (plugin/images), the
// row the console, `dploy images` and a restore task look an image up by.
// The files are the truth about content; the row says an image exists, where,
// from which machine and how big.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';

interface ImageRow {
  id: number;
  name: string;
  kind: string;
  location: string;
  host_id: number | null;
  size_bytes: number | string | null;
  created_at: Date | string;
}

export interface ImageRecord {
  id: number;
  name: string;
  /** tar-zstd: dploy's own capture; mondo: a MondoRescue ISO set. */
  kind: string;
  /** The image's directory. */
  location: string;
  hostId?: number;
  sizeBytes?: number;
  createdAt: Date;
}

const repo = (db: EntityManager) => db.getRepository<ImageRow>('Image');

function record(row: ImageRow): ImageRecord {
  return {
    id: Number(row.id),
    name: row.name,
    kind: row.kind,
    location: row.location,
    ...(row.host_id !== null ? { hostId: Number(row.host_id) } : {}),
    ...(row.size_bytes !== null ? { sizeBytes: Number(row.size_bytes) } : {}),
    createdAt: new Date(row.created_at),
  };
}

export async function recordImage(db: EntityManager, image: Omit<ImageRecord, 'id'>): Promise<void> {
  if (await repo(db).findOneBy({ name: image.name })) throw new DployError('DPLOY_ERR_CONFLICT', `image ${image.name} already exists (dploy images list)`);
  await repo(db).insert({
    name: image.name,
    kind: image.kind,
    location: image.location,
    host_id: image.hostId ?? null,
    size_bytes: image.sizeBytes ?? null,
    created_at: image.createdAt,
  });
}

export async function listImages(db: EntityManager): Promise<ImageRecord[]> {
  return (await repo(db).find({ order: { name: 'ASC' } })).map(record);
}

export async function findImage(db: EntityManager, name: string): Promise<ImageRecord | undefined> {
  const row = await repo(db).findOneBy({ name });
  return row ? record(row) : undefined;
}

export async function getImage(db: EntityManager, name: string): Promise<ImageRecord> {
  const image = await findImage(db, name);
  if (!image) throw new DployError('DPLOY_ERR_NOT_FOUND', `no image "${name.slice(0, 128)}" (dploy images list)`);
  return image;
}

export async function deleteImage(db: EntityManager, name: string): Promise<void> {
  await repo(db).delete({ name });
}
