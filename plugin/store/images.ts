// dploy_images: one row per image in the image store (plugin/images), the
// row the console, `dploy images` and a restore task look an image up by.
// The files are the truth about content; the row says an image exists, where,
// from which machine and how big.

import type { EntityManager } from 'typeorm';
import { DployError } from '../errors.js';
import { TERMINAL_STATES } from '../model/job.js';

interface ImageRow {
  id: number;
  name: string;
  kind: string;
  location: string;
  host_id: number | null;
  size_bytes: number | string | null;
  created_at: Date | string;
  verified_at: Date | string | null;
  verify_result: string | null;
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
  /** The last verify (dploy images verify, the console, the API): when, and "ok" or what differed. */
  verified?: { at: Date; result: string };
}

/** The verify result that says every archive matched. */
export const VERIFIED_OK = 'ok';

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
    ...(row.verified_at !== null && row.verify_result !== null ? { verified: { at: new Date(row.verified_at), result: row.verify_result } } : {}),
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

export interface ImagePage {
  images: Array<ImageRecord & { hostName?: string }>;
  /** Every image in the store. */
  total: number;
  /** Another page follows this one. */
  more: boolean;
}

/** One page by name, after `afterName` (a keyset cursor: names are unique), with its source host's name. */
export async function pageOfImages(db: EntityManager, page: { limit: number; afterName?: string }): Promise<ImagePage> {
  const query = db
    .createQueryBuilder()
    .select(['i.*', 'h.name AS host_name'])
    .from('dploy_images', 'i')
    .leftJoin('dploy_hosts', 'h', 'h.id = i.host_id')
    .orderBy('i.name', 'ASC')
    .limit(page.limit + 1);
  if (page.afterName !== undefined) query.where('i.name > :after', { after: page.afterName });
  const rows = await query.getRawMany<ImageRow & { host_name: string | null }>();
  const total = await repo(db).count();
  return {
    images: rows.slice(0, page.limit).map((row) => ({ ...record(row), ...(row.host_name !== null ? { hostName: row.host_name } : {}) })),
    total,
    more: rows.length > page.limit,
  };
}

export async function recordImageVerified(db: EntityManager, name: string, result: string, at = new Date()): Promise<void> {
  await repo(db).update({ name }, { verified_at: at, verify_result: result.slice(0, 1024) });
}

/** A verify begins: the last result no longer speaks for the files. */
export async function forgetImageVerified(db: EntityManager, name: string): Promise<void> {
  await repo(db).update({ name }, { verified_at: null, verify_result: null });
}

/** Jobs not ended that name the image: a capture writing it or a restore reading it. */
export async function activeJobsOfImage(db: EntityManager, name: string): Promise<number[]> {
  return (await activeImageJobs(db, [name])).map((r) => r.id);
}

/** Of these images, the ones a job not ended names, in one query for a whole page. */
export async function imagesInUse(db: EntityManager, names: string[]): Promise<Set<string>> {
  return new Set(names.length === 0 ? [] : (await activeImageJobs(db, names)).map((r) => r.image));
}

async function activeImageJobs(db: EntityManager, names: string[]): Promise<Array<{ id: number; image: string }>> {
  const rows: Array<{ id: number | string; image: string }> = await db
    .createQueryBuilder()
    .select(['j.id AS id', 'j.image AS image'])
    .from('dploy_jobs', 'j')
    .where('j.image IN (:...names)', { names })
    .andWhere('j.state NOT IN (:...ended)', { ended: [...TERMINAL_STATES] })
    .orderBy('j.id')
    .getRawMany();
  return rows.map((r) => ({ id: Number(r.id), image: r.image }));
}
