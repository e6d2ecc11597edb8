// Images: the store a page at a time (source host, date, size, state, last
// verify), one image with its manifest (disks, partitions, filesystems with
// UUIDs and labels), and for operators Verify and Remove, as `dploy images`.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { imageView, imageViews, removeStoredImage, verifyStoredImage } from '../../images/image-catalog.js';
import { checkImageName, readManifest } from '../../images/image-store.js';
import { formatBytes } from '../../model/hardware-view.js';
import { recordAudit } from '../../store/audit-log.js';
import { getImage, pageOfImages } from '../../store/images.js';
import { allow } from './console-access.js';
import { queryText, renderPage } from './console-views.js';

const PAGE = 50;

export function imagePages(app: FastifyInstance, deps: { db: DataSource }): void {
  const db = deps.db.manager;

  app.get<{ Querystring: Record<string, unknown> }>('/images', { preHandler: allow('read') }, async (request, reply) => {
    const after = queryText(request.query.after, 128);
    const page = await pageOfImages(db, { limit: PAGE, ...(after ? { afterName: after } : {}) });
    const images = (await imageViews(db, page.images)).map((view) => ({ ...view, size: formatBytes(view.sizeBytes) }));
    const last = page.images.at(-1)?.name;
    const removed = queryText(request.query.removed, 128);
    return renderPage(reply, 'images', {
      title: 'Images',
      images,
      total: page.total,
      next: page.more && last ? `/images?after=${encodeURIComponent(last)}` : undefined,
      first: after !== undefined,
      flash: removed ? `image ${removed} removed` : undefined,
    });
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>('/images/:name', { preHandler: allow('read') }, async (request, reply) => {
    const image = await getImage(db, checked(request.params.name));
    const manifest = await readManifest(image.location).catch((err: Error) => err);
    const view = await imageView(db, image);
    return renderPage(reply, 'image', {
      title: `Image ${image.name}`,
      image: { ...view, size: formatBytes(image.sizeBytes ?? null) },
      manifest: manifest instanceof Error ? undefined : manifest,
      manifestProblem: manifest instanceof Error ? manifest.message : undefined,
      bytes: (n: number) => formatBytes(n),
      flash: queryText(request.query.verified)
        ? `verified: ${view.checksum.status === 'ok' ? 'every archive matches manifest.json' : view.checksum.problem}`
        : undefined,
    });
  });

  app.post<{ Params: { name: string } }>('/images/:name/verify', { preHandler: allow('manage-images') }, async (request, reply) => {
    const { name } = await getImage(db, checked(request.params.name));
    // A manifest gone or unreadable is recorded on the image as the verify's outcome: the page it lands on says so.
    const report = await verifyStoredImage(db, name).catch((err: unknown) => {
      if (err instanceof DployError) return undefined;
      throw err;
    });
    await recordAudit(db, { actor: request.caller!.actor, action: 'image.verify', target: name, detail: report?.ok ? 'ok' : 'corrupt' });
    return reply.redirect(`/images/${encodeURIComponent(name)}?verified=1`, 303);
  });

  app.post<{ Params: { name: string }; Body: Record<string, string | undefined> }>(
    '/images/:name/remove',
    { preHandler: allow('manage-images') },
    async (request, reply) => {
      const name = checked(request.params.name);
      // No JavaScript for a confirm(): the form's checkbox is the second thought.
      if (request.body?.confirm !== 'yes') throw new DployError('DPLOY_ERR_INVALID_INPUT', `tick "remove ${name} for good" to remove the image`);
      await removeStoredImage(db, name);
      await recordAudit(db, { actor: request.caller!.actor, action: 'image.remove', target: name });
      return reply.redirect(`/images?removed=${encodeURIComponent(name)}`, 303);
    },
  );
}

/** A name that cannot be an image is a page that does not exist. */
function checked(name: string): string {
  try {
    return checkImageName(name);
  } catch {
    throw new DployError('DPLOY_ERR_NOT_FOUND', `no image "${name.slice(0, 60)}"`);
  }
}
