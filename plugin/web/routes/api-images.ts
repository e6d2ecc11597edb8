// JSON API over the image store: a page of images by name, one image with
// its manifest (disks, partitions, filesystems with UUIDs and labels), and
// verify and remove (operators), as `dploy images list|show|verify|remove`.
// A verify reads in the background: 202 at once, the image's checksum.status
// says "verifying" until it ends.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { imageView, imageViews, removeStoredImage } from '../../images/image-catalog.js';
import type { ImageVerifies } from '../../images/image-verifies.js';
import { readManifest } from '../../images/image-store.js';
import { recordAudit } from '../../store/audit-log.js';
import { getImage, pageOfImages } from '../../store/images.js';
import { apiAccess } from '../api-auth.js';
import { imageDetailSchema, imagePageSchema, imageRemovedSchema, imageVerifyStartedSchema } from '../api-schemas.js';
import { linkNext } from '../page-link.js';

const named = { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['name'] };

export function apiImageRoutes(app: FastifyInstance, deps: { db: DataSource; imageVerifies: ImageVerifies }): void {
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
      const verifying = deps.imageVerifies.snapshot();
      const page = await pageOfImages(db, { limit: q.limit, ...(q.after !== undefined ? { afterName: q.after } : {}) });
      const images = await imageViews(db, page.images, verifying);
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
      const verifying = deps.imageVerifies.snapshot();
      const image = await getImage(db, request.params.name);
      const manifest = await readManifest(image.location).catch(() => null);
      return { ...(await imageView(db, image, { verifyingSince: verifying(image.name) })), manifest };
    },
  );
  app.post<{ Params: { name: string } }>(
    '/api/v1/images/:name/verify',
    {
      ...manage,
      schema: {
        summary:
          'start reading every archive again against the SHA-256 in manifest.json, in the background: 202 at once, Location is the image, whose checksum says verifying until the result is kept there (409 while a verify of it runs)',
        params: named,
        response: { 202: imageVerifyStartedSchema },
      },
    },
    async (request, reply) => {
      const started = await deps.imageVerifies.start(request.params.name, request.caller!.actor, request.log);
      const location = `/api/v1/images/${encodeURIComponent(started.name)}`;
      return reply.status(202).header('location', location).send({ name: started.name, status: 'verifying', since: started.since.toISOString(), location });
    },
  );
  app.delete<{ Params: { name: string } }>(
    '/api/v1/images/:name',
    {
      ...manage,
      schema: {
        summary: 'delete an image, its row and its files; refused (409) while a job uses it or it is being verified',
        params: named,
        response: { 200: imageRemovedSchema },
      },
    },
    async (request) => {
      const removed = await deps.imageVerifies.removing(request.params.name, () => removeStoredImage(db, request.params.name));
      await recordAudit(db, { actor: request.caller!.actor, action: 'image.remove', target: removed.name });
      return { name: removed.name, removed: true };
    },
  );
}
