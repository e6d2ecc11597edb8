// The boot entry of an install: the catalog's installer kernel and initrd
// with the kernel arguments that fetch this job's answer file and pin the
// boot NIC. Building it runs the same checks as the answer file (a disk for
// the policy, the machine's architecture), so a job that cannot install
// fails here, before the machine boots.

import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import type { ImageProvider } from '../../boot/boot-images.js';
import type { JobTokens } from '../../jobs/job-token.js';
import { boundBootJob } from '../../store/job-binding.js';
import { answerData } from './answer-context.js';
import { importedBootFiles, mediaKey } from '../catalog/catalog-entry.js';
import type { MirrorView } from '../media/install-source.js';
import { jobAnswerInputs } from './job-answer.js';

export interface InstallImageOptions {
  mirror?: MirrorView;
  jobTokens: JobTokens;
}

export function installImageProvider(db: DataSource, httpBaseUrl: () => string, options: InstallImageOptions): ImageProvider {
  return async (state, context) => {
    if (state.kind !== 'install') throw new DployError('DPLOY_ERR_BOOT_CONFIG', `install image asked for a ${state.kind} boot`);
    const { host, job } = await boundBootJob(db.manager, 'install', context.host, context.clientAddress);
    // The installer said "installed" and the machine reboots at once, often before the runner's next tick puts
    // the boot state back: booting the installer again would reinstall the disk it just wrote.
    if (job.state === 'finishing') return undefined;
    const data = answerData(
      await jobAnswerInputs(db.manager, host, { ...job, token: options.jobTokens.tokenFor(job) }, state.profile, {
        httpBaseUrl: httpBaseUrl(),
        ...(context.bootMac ? { bootMac: context.bootMac } : {}),
        ...(options.mirror ? { mirror: options.mirror } : {}),
      }),
    );
    // Imported media boot from their own directory; otherwise the catalog's (netboot-layout) paths.
    const files = options.mirror?.has(mediaKey(data.entry)) ? importedBootFiles(data.entry) : data.entry;
    return { kernel: files.kernel, initrds: [files.initrd], args: data.kernelArgs, osFamily: data.entry.family };
  };
}
