// The boot entry of a restore: dploy's boot environment (kernel and initrd
// for the machine's architecture) with the arguments agent-scripts/dploy-restore reads: dploy's
// URL and the job's token (its plan and archives are at /images/<token>/).
// Like an install's entry, the first client to fetch it binds the job, and
// any other gets no entry, so never the token. Once the restore reported
// "installed", the entry is local boot. A Mondo image boots mindi's own
// kernel and initrd instead (mindi-pxe.ts), fetched over HTTP behind the
// same token; mondorestore then reads the ISOs from the operator's NFS export.
// mondorestore reports nothing to dploy, so the machine's next network boot
// is the only sign its restore ended: dploy notes when it served mindi's
// entry, and a fetch MONDO_COMEBACK_SECONDS or more later (not a loader
// asking twice in one boot) gets local boot and ends the job, saying so.

import type { DataSource } from 'typeorm';
import type { DiscoverImageFor, ImageProvider } from '../boot/boot-images.js';
import type { BootImage } from '../boot/boot-inputs.js';
import { DployError } from '../errors.js';
import type { Job } from '../model/job.js';
import { findImage } from '../store/images.js';
import { boundBootJob } from '../store/job-binding.js';
import { appendEvent, jobEvents, transitionJob } from '../store/jobs.js';
import { readManifest } from './image-store.js';
import type { ImageManifest } from './manifest.js';
import { mindiPxeArgs, NO_MONDO_NETFS } from './mindi-pxe.js';

export interface RestoreBootOptions {
  /** dploy's boot environment for the machine's architecture (plugin/bootenv/discover-image.ts restoreImageFor). */
  bootEnvironment: DiscoverImageFor;
  httpBaseUrl: () => string;
  /** The job's secret token (plugin/jobs/job-token.ts), passed in so images/ needs nothing of jobs/. */
  tokenFor: (job: Job) => string;
  /** images.mondoNetfs: where mindi finds a Mondo image's ISOs (mindi-pxe.ts); empty, a Mondo image gets no entry. */
  mondoNetfs?: string;
}

/** A mindi boot and mondorestore --nuke take minutes; a loader fetching its entry twice in one boot, seconds. */
export const MONDO_COMEBACK_SECONDS = 180;
const MINDI_SERVED = "mindi's restore entry served";

export function restoreImageProvider(db: DataSource, o: RestoreBootOptions): ImageProvider {
  return async (state, context) => {
    if (state.kind !== 'restore') throw new DployError('DPLOY_ERR_BOOT_CONFIG', `restore entry asked for a ${state.kind} boot`);
    const { job } = await boundBootJob(db.manager, 'restore', context.host, context.clientAddress);
    // dploy-restore said "installed" and the machine reboots at once, often before the runner's next tick
    // puts the boot state back: booting the restore again would write the disk a second time.
    if (job.state === 'finishing') return undefined;
    const image = await findImage(db.manager, state.image);
    if (image?.kind === 'mondo') {
      const entry = mindiEntry(await readManifest(image.location), `${o.httpBaseUrl()}/images/${o.tokenFor(job)}`, o.mondoNetfs);
      return context.clientAddress && (await mondoCameBack(db, job)) ? undefined : entry;
    }
    const env = o.bootEnvironment(context);
    return {
      kernel: env.kernel,
      initrds: [env.initrd],
      args: [...env.args.split(/\s+/).filter(Boolean), `dploy.url=${o.httpBaseUrl()}`, `dploy.job=${o.tokenFor(job)}`, 'dploy.action=restore'],
    };
  };
}

/**
 * True when this fetch is the machine's next boot after mindi's entry was served (the job then goes to finishing
 * and local boot); the first fetch notes the time in the job's log. `dploy render` (no client) notes nothing.
 */
async function mondoCameBack(db: DataSource, job: Job): Promise<boolean> {
  if (job.state !== 'booting') return false;
  const served = (await jobEvents(db.manager, job.id)).find((e) => e.message.startsWith(MINDI_SERVED));
  const now = new Date();
  if (!served) {
    const message = `${MINDI_SERVED}: mondorestore --nuke runs there and reports nothing to dploy; the machine's next network boot (${MONDO_COMEBACK_SECONDS} s or more from now) ends the restore`;
    await appendEvent(db.manager, { job_id: job.id, at: now, from_state: 'booting', to_state: 'booting', message, actor: 'boot' });
    return false;
  }
  const seconds = Math.round((now.getTime() - served.at.getTime()) / 1000);
  if (seconds < MONDO_COMEBACK_SECONDS) return false;
  const message = `the machine network-booted again ${Math.round(seconds / 60)} min after mindi's entry: mondorestore --nuke ended (it reports nothing to dploy: check the machine); local boot from now on`;
  await transitionJob(db.manager, job, 'booting', { to: 'finishing', message, actor: 'boot' }, now);
  return true;
}

function mindiEntry(m: ImageManifest, files: string, netfs: string | undefined): BootImage {
  if (!netfs) throw new DployError('DPLOY_ERR_BOOT_CONFIG', `image ${m.name} is a Mondo ISO set: ${NO_MONDO_NETFS}`);
  const mindi = m.mondo!.mindi;
  return { kernel: `${files}/${mindi.kernel.file}`, initrds: [`${files}/${mindi.initrd.file}`], args: mindiPxeArgs(m, netfs) };
}
