// Images: the store a page at a time (source host, date, size, state, last
// verify), one image with its manifest (disks, partitions, filesystems with
// UUIDs and labels), and for operators Verify and Remove, as `dploy images`.
// Verify starts reading in the background and lands on the image's page,
// which says "verifying since …" until the result is kept there.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { imageView, imageViews, removeStoredImage, type ImageView } from '../../images/image-catalog.js';
import type { ImageVerifies } from '../../images/image-verifies.js';
import { checkImageName, readManifest } from '../../images/image-store.js';
import { formatBytes } from '../../model/hardware-view.js';
import { recordAudit } from '../../store/audit-log.js';
import { getImage, pageOfImages } from '../../store/images.js';
import { allow } from './console-access.js';
import { queryText, renderPage } from './console-views.js';

const PAGE = 50;

export function imagePages(app: FastifyInstance, deps: { db: DataSource; imageVerifies: ImageVerifies }): void {
  const db = deps.db.manager;

  app.get<{ Querystring: Record<string, unknown> }>('/images', { preHandler: allow('read') }, async (request, reply) => {
    const after = queryText(request.query.after, 128);
    const verifying = deps.imageVerifies.snapshot();
    const page = await pageOfImages(db, { limit: PAGE, ...(after ? { afterName: after } : {}) });
    const images = (await imageViews(db, page.images, verifying)).map((view) => ({ ...view, size: formatBytes(view.sizeBytes) }));
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
    const verifying = deps.imageVerifies.snapshot();
    const image = await getImage(db, checked(request.params.name));
    const manifest = await readManifest(image.location).catch((err: Error) => err);
    const view = await imageView(db, image, { verifyingSince: verifying(image.name) });
    return renderPage(reply, 'image', {
      title: `Image ${image.name}`,
      image: { ...view, size: formatBytes(image.sizeBytes ?? null) },
      manifest: manifest instanceof Error ? undefined : manifest,
      manifestProblem: manifest instanceof Error ? manifest.message : undefined,
      bytes: (n: number) => formatBytes(n),
      flash: flashOf(view, queryText(request.query.verify) !== undefined),
    });
  });

  app.post<{ Params: { name: string } }>('/images/:name/verify', { preHandler: allow('manage-images') }, async (request, reply) => {
    const { name } = await deps.imageVerifies.start(checked(request.params.name), request.caller!.actor, request.log);
    return reply.redirect(`/images/${encodeURIComponent(name)}?verify=1`, 303);
  });

  app.post<{ Params: { name: string }; Body: Record<string, string | undefined> }>(
    '/images/:name/remove',
    { preHandler: allow('manage-images') },
    async (request, reply) => {
      const name = checked(request.params.name);
      // No JavaScript for a confirm(): the form's checkbox is the second thought.
      if (request.body?.confirm !== 'yes') throw new DployError('DPLOY_ERR_INVALID_INPUT', `tick "remove ${name} for good" to remove the image`);
      await deps.imageVerifies.removing(name, () => removeStoredImage(db, name));
      await recordAudit(db, { actor: request.caller!.actor, action: 'image.remove', target: name });
      return reply.redirect(`/images?removed=${encodeURIComponent(name)}`, 303);
    },
  );
}

/** After Verify: still reading (reload to see the end), or what it found. */
function flashOf(view: ImageView, afterVerify: boolean): string | undefined {
  if (!afterVerify) return undefined;
  const c = view.checksum;
  if (c.status === 'verifying') return `verifying since ${c.verifyingSince}: reload this page to see the result`;
  if (c.status === 'ok') return 'verified: every archive matches manifest.json';
  return c.status === 'corrupt' ? `verified: ${c.problem}` : undefined;
}

/** A name that cannot be an image is a page that does not exist. */
function checked(name: string): string {
  try {
    return checkImageName(name);
  } catch {
    throw new DployError('DPLOY_ERR_NOT_FOUND', `no image "${name.slice(0, 60)}"`);
  }
}
