// Everything a template may use (`it.` in pxe/answers/), built once per
// render from the job, its host, the profile and the machine's latest
// inventory. Facts that cannot be met (no disk for the policy, a machine of
// another architecture) fail here, before the machine boots.

import { DployError } from '../../errors.js';
import { describeBootNic, type BootNic } from '../../model/boot-nic.js';
import type { Host } from '../../model/host.js';
import type { Inventory } from '../../model/inventory.js';
import type { Job } from '../../model/job.js';
import { catalogEntry, type CatalogEntry } from '../catalog/catalog.js';
import { installDisks, type InstallDisk } from './install-disk.js';
import { archiveUrl, installSourceUrl, type MirrorView } from '../media/install-source.js';
import { installKernelArgs } from './kernel-args.js';
import { pinNics, type PinnedNic } from './nic-naming.js';
import type { Profile } from '../profiles/profile-schema.js';

export interface AnswerInputs {
  host: Host;
  job: Job;
  /** Opened (hashes unsealed): answer files carry the crypt hash itself. */
  profile: Profile;
  inventory: Inventory | undefined;
  httpBaseUrl: string;
  /** The NIC the machine boots from, and how that is known (model/boot-nic.ts). */
  bootNic: BootNic;
  mirror?: MirrorView;
  /** How long callback.sh keeps retrying a report: the job's own timeout (runner.installTimeoutSeconds). */
  callbackSeconds?: number;
}

/** runner.installTimeoutSeconds' default, for renders without a config (previews). */
const DEFAULT_CALLBACK_SECONDS = 7200;

export interface AnswerData {
  host: { name: string; short: string; domain: string; fqdn: string };
  job: { id: number; token: string };
  profile: Profile;
  entry: CatalogEntry;
  major: number;
  site: string;
  variables: Record<string, string>;
  urls: { answer: string; events: string; source: string; archive: string; callback: string; post: string };
  /** Seconds callback.sh retries a report before giving up. */
  callbackSeconds: number;
  /** A rebuild job's restore of chosen paths, run at the end of post.sh: where agent-scripts/dploy-restore is and its arguments. */
  restorePaths?: { script: string; url: string; token: string };
  nics: PinnedNic[];
  bootNic: PinnedNic;
  /** Which NIC and why, one line for a comment; says "preview" until the job's boot entry was served. */
  bootNicNote: string;
  disks: Array<InstallDisk & { part(n: number): string; short: string }>;
  kernelArgs: string[];
}

/** /dev/sda -> /dev/sda1, /dev/nvme0n1 -> /dev/nvme0n1p1 (a name ending in a digit takes "p"). */
function partition(device: string, n: number): string {
  return `${device}${/\d$/.test(device) ? 'p' : ''}${n}`;
}

function checkArch(inventory: Inventory | undefined, entry: CatalogEntry, hostName: string): void {
  const arch = inventory?.arch;
  if (!arch || arch === 'unknown' || arch === entry.arch || (arch === 'x86_64' && entry.arch === 'i386')) return;
  throw new DployError('DPLOY_ERR_INVALID_INPUT', `${hostName} is an ${arch} machine; profile arch ${entry.arch} cannot install on it`);
}

function bootNicNote(nic: BootNic): string {
  const note = `boot NIC ${nic.mac}: ${describeBootNic(nic)}`;
  return nic.why === 'boot request' ? note : `${note}. PREVIEW: the NIC this job's boot entry is served to will be used instead`;
}

export function answerData(x: AnswerInputs): AnswerData {
  const p = x.profile;
  const entry = catalogEntry(p.distro, p.release, p.arch);
  if (!x.job.token) throw new DployError('DPLOY_ERR_INVALID_INPUT', `job ${x.job.id} has no token`);
  checkArch(x.inventory, entry, x.host.name);
  const nics = pinNics(x.inventory, x.bootNic.mac, x.host.name);
  const disks = installDisks(x.inventory, p, x.host.name).map((d) => ({
    ...d,
    part: (n: number) => partition(d.logicalName, n),
    short: d.logicalName.slice(5),
  }));
  const [short = x.host.name, ...rest] = x.host.name.split('.');
  const domain = p.domain || rest.join('.');
  const answer = `${x.httpBaseUrl}/answers/${x.job.token}`;
  const source = installSourceUrl(entry, p, x.mirror);
  return {
    host: { name: x.host.name, short, domain, fqdn: domain ? `${short}.${domain}` : short },
    job: { id: x.job.id, token: x.job.token },
    profile: p,
    entry,
    major: Number.parseInt(p.release, 10),
    site: p.site,
    variables: p.variables,
    urls: {
      answer,
      events: `${x.httpBaseUrl}/agent/v1/events`,
      source,
      archive: archiveUrl(entry, p),
      callback: `${answer}/callback.sh`,
      post: `${answer}/post.sh`,
    },
    callbackSeconds: x.callbackSeconds ?? DEFAULT_CALLBACK_SECONDS,
    ...(x.job.kind === 'rebuild'
      ? { restorePaths: { script: `${x.httpBaseUrl}/images/${x.job.token}/dploy-restore`, url: x.httpBaseUrl, token: x.job.token } }
      : {}),
    nics,
    bootNic: nics.find((n) => n.boot)!,
    disks,
    bootNicNote: bootNicNote(x.bootNic),
    kernelArgs: installKernelArgs(entry, { answerUrl: answer, sourceUrl: source, nics }),
  };
}
