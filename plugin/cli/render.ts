// dploy render <host> boot [--firmware bios|uefi] [--arch A] [--loader ipxe]
// dploy render <host> answer [--profile P] [--part post.sh|callback.sh|user-data|meta-data]
// Prints what that machine would get at its next network boot, or the answer
// file its install fetches: the active install job's, else a preview for
// --profile (the URLs then carry a placeholder token, said on stderr so that
// stdout stays the file itself, ready for a validator).

import { resolve } from 'node:path';
import { Command } from 'commander';
import { renderForHost } from '../boot/index.js';
import { restoreEnvironment, bootPolicy, bootVariablesFor, httpBaseUrl } from '../boot-wiring.js';
import { restoreImageProvider } from '../images/restore-boot.js';
import type { Config } from '../config/schema.js';
import { jobTokensFromKeyFile } from '../jobs/job-token.js';
import { DployError } from '../errors.js';
import { describeBootNic } from '../model/boot-nic.js';
import type { Host } from '../model/host.js';
import type { Architecture } from '../model/inventory.js';
import { runsInstaller, type Job } from '../model/job.js';
import { ANSWER_PART_NAMES, type AnswerPart, installImageProvider, jobAnswerInputs, mirrorView, renderAnswerFile } from '../installers/index.js';
import { openSecretBox } from '../secret-box.js';
import { getHost } from '../store/hosts.js';
import { activeJobForHost } from '../store/jobs.js';
import type { Store } from '../store/database.js';
import { configOf, printFile, printJson, withStore } from './context.js';

// The names GET /answers/<token>/<part> serves, and the answer itself.
const PARTS: Readonly<Record<string, AnswerPart>> = { answer: 'answer', ...ANSWER_PART_NAMES };
const PREVIEW_TOKEN = 'PREVIEW-no-active-job';

interface RenderFlags {
  firmware: string;
  arch?: string;
  loader?: string;
  profile?: string;
  part: string;
  json?: boolean;
}

export function renderCommand(): Command {
  return new Command('render')
    .description('print what a machine gets at its next network boot, or the answer file its install fetches')
    .argument('<host>', 'id, name or MAC')
    .argument('<what>', '"boot" or "answer"')
    .option('--firmware <firmware>', 'boot: bios or uefi', 'bios')
    .option('--arch <arch>', "boot: x86_64, i386, aarch64, ia64 (default: the inventory's, else x86_64)")
    .option('--loader <loader>', 'boot: force a loader: pxelinux, grub, elilo, ipxe')
    .option('--profile <name>', "answer: preview this profile (default: the active install job's)")
    .option('--part <part>', `answer: ${Object.keys(PARTS).join(', ')}`, 'answer')
    .option('--json')
    .action(async (ref: string, what: string, o: RenderFlags, command: Command) => {
      const { config } = configOf(command);
      if (what === 'boot') return renderBoot(command, config, ref, o);
      if (what === 'answer') return renderAnswer(command, config, ref, o);
      throw new DployError('DPLOY_ERR_INVALID_INPUT', `cannot render "${what}": "boot" or "answer"`);
    });
}

async function renderBoot(command: Command, config: Config, ref: string, o: RenderFlags): Promise<void> {
  if (o.firmware !== 'bios' && o.firmware !== 'uefi') throw new DployError('DPLOY_ERR_INVALID_INPUT', '--firmware is bios or uefi');
  const rendered = await withStore(command, async (store) => {
    const host = await getHost(store.db.manager, ref);
    const arch = (o.arch ?? host.arch ?? 'x86_64') as Architecture;
    const baseUrl = httpBaseUrl(config, config.http.port);
    // The same mirror view as dploy serve: an install from imported media boots its kernel and tree.
    const mirror = mirrorView(config.installers.mirrorDir, () => baseUrl);
    const tokens = jobTokensFromKeyFile(config.installers.secretKeyFile);
    return renderForHost(
      host,
      { firmware: o.firmware as 'bios' | 'uefi', arch, ...(o.loader ? { loader: o.loader as 'ipxe' } : {}) },
      bootPolicy(config),
      bootVariablesFor(config, store.db, () => baseUrl, {
        install: installImageProvider(store.db, () => baseUrl, { mirror, jobTokens: tokens }),
        restore: restoreImageProvider(store.db, {
          bootEnvironment: restoreEnvironment(config),
          httpBaseUrl: () => baseUrl,
          tokenFor: (job) => tokens.tokenFor(job),
          mondoNetfs: config.images.mondoNetfs,
        }),
      }),
    );
  });
  if (o.json) return printJson(rendered);
  const text = rendered.text ?? '(nothing: dploy stays silent for this machine and the next TFTP route answers)';
  printFile(`# ${rendered.loader}: ${rendered.path}\n${text.endsWith('\n') ? text : `${text}\n`}`);
}

async function renderAnswer(command: Command, config: Config, ref: string, o: RenderFlags): Promise<void> {
  const part = Object.hasOwn(PARTS, o.part) ? PARTS[o.part]! : undefined;
  if (!part) throw new DployError('DPLOY_ERR_INVALID_INPUT', `--part is one of ${Object.keys(PARTS).join(', ')}`);
  const baseUrl = httpBaseUrl(config, config.http.port);
  const rendered = await withStore(command, async (store) => {
    const host = await getHost(store.db.manager, ref);
    const { job, profileName, preview } = await answerJob(store, host, o.profile);
    const token = preview ? job.token : jobTokensFromKeyFile(config.installers.secretKeyFile).tokenFor(job);
    const inputs = await jobAnswerInputs(store.db.manager, host, { ...job, ...(token ? { token } : {}) }, profileName, {
      httpBaseUrl: baseUrl,
      callbackSeconds: config.runner.installTimeoutSeconds,
      secrets: openSecretBox(config.installers.secretKeyFile),
      mirror: mirrorView(config.installers.mirrorDir, () => baseUrl),
    });
    const text = renderAnswerFile({ ...inputs, ...(config.installers.templateDir ? { overrideDir: resolve(config.installers.templateDir) } : {}) }, part);
    const nic = inputs.bootNic;
    return {
      host: host.name,
      profile: profileName,
      jobId: preview ? null : job.id,
      preview,
      part: o.part,
      bootNic: { mac: nic.mac, source: nic.why, why: describeBootNic(nic) },
      text,
    };
  });
  if (o.json) return printJson(rendered);
  if (rendered.preview)
    process.stderr.write(
      `dploy: preview of ${rendered.profile} for ${rendered.host}: no active install job of this profile, so its URLs carry the placeholder token ${PREVIEW_TOKEN}\n`,
    );
  if (rendered.bootNic.source !== 'boot request')
    process.stderr.write(
      `dploy: the machine has not booted this job yet: boot NIC ${rendered.bootNic.mac} (${rendered.bootNic.why}) is a preview; the NIC its boot entry is served to will be used\n`,
    );
  printFile(rendered.text.endsWith('\n') ? rendered.text : `${rendered.text}\n`);
}

/** The active install job, or a stand-in for a preview of --profile. */
async function answerJob(store: Store, host: Host, profile: string | undefined): Promise<{ job: Job; profileName: string; preview: boolean }> {
  const active = await activeJobForHost(store.db.manager, host.id);
  if (active && runsInstaller(active.kind) && active.profile && (!profile || profile === active.profile))
    return { job: active, profileName: active.profile, preview: false };
  if (!profile) {
    const why = active ? `its active job ${active.id} is ${active.kind}${active.kind === 'install' ? '' : ', not install'}` : 'it has no active install job';
    throw new DployError('DPLOY_ERR_INVALID_INPUT', `${host.name}: ${why}; give --profile to preview one`);
  }
  const now = new Date();
  return {
    job: {
      id: 0,
      hostId: host.id,
      kind: 'install',
      state: 'preview',
      profile,
      token: PREVIEW_TOKEN,
      attempts: 0,
      stateEnteredAt: now,
      createdAt: now,
      updatedAt: now,
    },
    profileName: profile,
    preview: true,
  };
}
