// JSON API over the image store: a page of images by name, one image with
// its manifest (disks, partitions, filesystems with UUIDs and labels), and
// verify and remove (operators), as `dploy images list|show|verify|remove`.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { imageView, imageViews, removeStoredImage, verifyStoredImage } from '../../images/image-catalog.js';
import { readManifest } from '../../images/image-store.js';
import { recordAudit } from '../../store/audit-log.js';
import { getImage, pageOfImages } from '../../store/images.js';
import { apiAccess } from '../api-auth.js';
import { imageDetailSchema, imagePageSchema, imageRemovedSchema, imageVerifiedSchema } from '../api-schemas.js';
import { linkNext } from '../page-link.js';

const named = { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['name'] };

export function apiImageRoutes(app: FastifyInstance, deps: { db: DataSource }): void {
  const db = deps.db.manager;
  const read = apiAccess(deps.db, 'read');
  const manage = apiAccess(deps.db, 'manage-images');
  const listQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      after: { type: 'string', minLength: 1, maxLength: 128, description: "the cursor of the previous answer's next link: the last name it had" },
    },
  };
  app.get<{ Querystring: { limit: number; after?: string } }>(
    '/api/v1/images',
    {
      ...read,
      schema: { summary: "one page of images by name, the total and the next page's link", querystring: listQuery, response: { 200: imagePageSchema } },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await pageOfImages(db, { limit: q.limit, ...(q.after !== undefined ? { afterName: q.after } : {}) });
      const images = await imageViews(db, page.images);
      return { images, total: page.total, next: linkNext(reply, '/api/v1/images', q, { more: page.more, lastName: page.images.at(-1)?.name }) };
    },
  );
  app.get<{ Params: { name: string } }>(
    '/api/v1/images/:name',
    {
      ...read,
      schema: {
        summary: 'one image with its manifest: disks, partitions, filesystems with UUIDs and labels',
        params: named,
        response: { 200: imageDetailSchema },
      },
    },
    async (request) => {
      const image = await getImage(db, request.params.name);
      const manifest = await readManifest(image.location).catch(() => null);
      return { ...(await imageView(db, image)), manifest };
    },
  );
  app.post<{ Params: { name: string } }>(
    '/api/v1/images/:name/verify',
    {
      ...manage,
      schema: {
        summary: 'read every archive again against the SHA-256 in manifest.json; ok false names what differs (kept with the image)',
        params: named,
        response: { 200: imageVerifiedSchema },
      },
    },
    async (request) => {
      const report = await verifyStoredImage(db, request.params.name);
      await recordAudit(db, { actor: request.caller!.actor, action: 'image.verify', target: report.name, detail: report.ok ? 'ok' : 'corrupt' });
      return report;
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/api/v1/images/:name',
    {
      ...manage,
      schema: { summary: 'delete an image, its row and its files; refused (409) while a job uses it', params: named, response: { 200: imageRemovedSchema } },
    },
    async (request) => {
      const removed = await removeStoredImage(db, request.params.name);
      await recordAudit(db, { actor: request.caller!.actor, action: 'image.remove', target: removed.name });
      return { name: removed.name, removed: true };
    },
  );
}
