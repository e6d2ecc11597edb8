// dploy images list|show|verify|remove|prune: the image store as the operator sees
// it. The rows say which images exist; verify reads every archive again
// against the checksums in its manifest.json.

import { Command } from 'commander';
import { DployError } from '../errors.js';
import { readManifest } from '../images/image-store.js';
import { removeStoredImage, verifyStoredImage } from '../images/image-catalog.js';
import { checkPolicy, pruneImages } from '../images/retention.js';
import { recordAudit } from '../store/audit-log.js';
import { getImage, listImages } from '../store/images.js';
import { configOf, print, printJson, withStore } from './context.js';
import { renderFields, renderTable } from './table.js';

export function imagesCommand(): Command {
  const images = new Command('images').description('captured machine images (docs/images.md)');
  images
    .command('list')
    .option('--json')
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withStore(command, (s) => listImages(s.db.manager));
      if (o.json) return printJson(list);
      print(
        renderTable(
          ['NAME', 'KIND', 'HOST', 'BYTES', 'CREATED', 'LOCATION'],
          list.map((i) => [i.name, i.kind, i.hostId, i.sizeBytes, i.createdAt.toISOString(), i.location]),
        ),
      );
    });
  images
    .command('show <name>')
    .description('the image and its layout: disks, partitions, filesystems with UUIDs, labels and archives')
    .option('--json', 'the whole manifest.json')
    .action(async (name: string, o: { json?: boolean }, command: Command) => {
      const image = await withStore(command, (s) => getImage(s.db.manager, name));
      const m = await readManifest(image.location);
      if (o.json) return printJson({ ...image, manifest: m });
      print(
        renderFields([
          ['name', image.name],
          ['source', `${m.source.host} (${m.source.address})`],
          ['created', m.createdAt],
          ['firmware', m.firmware],
          ['engine', m.engine === 'mondo' ? `mondo (${m.mondo?.argv.join(' ')})` : 'tar+zstd'],
          ['bootloader', m.bootloader.kind + (m.bootloader.efiDirectory ? ` (EFI at ${m.bootloader.efiDirectory})` : '')],
          ['location', image.location],
        ]) +
          '\n' +
          renderTable(
            ['DISK', 'LABEL', 'BYTES', 'PARTITIONS'],
            m.disks.map((d) => [d.device, d.label, d.sizeBytes, d.partitions.map((p) => `${p.number}:${p.startSector}+${p.sizeSectors}`).join(' ')]),
          ) +
          '\n' +
          (m.mondo
            ? // A Mondo image: its filesystems are inside the ISOs, which are listed with their sums.
              renderTable(
                ['MOUNTPOINT', 'DEVICE', 'FSTYPE', 'UUID', 'LABEL', 'USED'],
                m.mondo.filesystems.map((f) => [f.mountpoint, f.device, f.fstype, f.uuid, f.label, f.usedBytes]),
              ) +
              '\n' +
              renderTable(
                ['MONDO FILE', 'BYTES', 'SHA256'],
                [...(m.isos ?? []), m.mondo.mindi.kernel, m.mondo.mindi.initrd].map((f) => [f.file, f.bytes, f.sha256]),
              )
            : renderTable(
                ['MOUNTPOINT', 'DEVICE', 'FSTYPE', 'UUID', 'LABEL', 'USED', 'ARCHIVE', 'BYTES', 'SHA256'],
                m.filesystems.map((f) => [f.mountpoint, f.device, f.fstype, f.uuid, f.label, f.usedBytes, f.archive.file, f.archive.bytes, f.archive.sha256]),
              )),
      );
    });
  images
    .command('verify <name>')
    .description('read every archive again and compare its size and SHA-256 with manifest.json')
    .option('--json')
    .action(async (name: string, o: { json?: boolean }, command: Command) => {
      const { checks } = await withStore(command, (s) => verifyStoredImage(s.db.manager, name, { actor: 'cli' }));
      if (o.json) printJson(checks);
      else
        print(
          renderTable(
            ['ARCHIVE', 'RESULT'],
            checks.map((c) => [c.file, c.ok ? 'ok' : c.problem]),
          ),
        );
      const bad = checks.filter((c) => !c.ok);
      if (bad.length > 0)
        throw new DployError('DPLOY_ERR_IMAGE_CORRUPT', `image ${name}: ${bad.length} of ${checks.length} archive(s) do not match manifest.json`);
    });
  images
    .command('remove <name>')
    .description('delete the image: its row and its directory in the store (refused while a job uses it)')
    .action(async (name: string, _o: unknown, command: Command) => {
      const image = await withStore(command, async (s) => {
        const removed = await removeStoredImage(s.db.manager, name);
        await recordAudit(s.db.manager, { actor: 'cli', action: 'image.remove', target: name });
        return removed;
      });
      print(`removed image ${name} (${image.location})\n`);
    });
  images
    .command('prune')
    .description(
      'remove the images the retention policy does not keep: beyond the N newest per host (images.keepPerHost), older than images.maxAgeDays; never one an active restore or rebuild job uses',
    )
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--keep-per-host <n>', 'instead of images.keepPerHost (0: no limit)', Number)
    .option('--max-age-days <n>', 'instead of images.maxAgeDays (0: no limit)', Number)
    .option('--json')
    .action(async (o: { dryRun?: boolean; keepPerHost?: number; maxAgeDays?: number; json?: boolean }, command: Command) => {
      const { images: settings } = configOf(command).config;
      const policy = checkPolicy({ keepPerHost: o.keepPerHost ?? settings.keepPerHost, maxAgeDays: o.maxAgeDays ?? settings.maxAgeDays });
      if (!policy.keepPerHost && !policy.maxAgeDays)
        throw new DployError(
          'DPLOY_ERR_INVALID_INPUT',
          'no retention policy: set images.keepPerHost or images.maxAgeDays, or give --keep-per-host or --max-age-days',
        );
      const chosen = await withStore(command, async (s) => {
        const pruned = await pruneImages(s.db.manager, policy, { dryRun: o.dryRun === true });
        if (!o.dryRun) for (const c of pruned) await recordAudit(s.db.manager, { actor: 'cli', action: 'image.prune', target: c.name, detail: c.reason });
        return pruned;
      });
      if (o.json) return printJson(chosen);
      const verb = o.dryRun ? 'would remove' : 'removed';
      print(chosen.length === 0 ? 'nothing to remove\n' : chosen.map((c) => `${verb} image ${c.name}: ${c.reason}\n`).join(''));
    });
  return images;
}
