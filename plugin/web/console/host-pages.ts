// The hosts list (GET /), one host (GET /hosts/:id) and its task form
// (POST /hosts/:id/task, operators): what `dploy hosts list|show` and
// `dploy task set` do, as pages.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { DployError } from '../../errors.js';
import { formatBytes, hardwareView } from '../../model/hardware-view.js';
import { hostView } from '../../model/host-view.js';
import { describeBootNic, hostBootNic } from '../../model/boot-nic.js';
import { TASK_KINDS } from '../../model/task.js';
import { may } from '../../model/role.js';
import { getHost } from '../../store/hosts.js';
import { searchHosts } from '../../store/host-search.js';
import { listGroups } from '../../store/groups.js';
import { latestInventory } from '../../store/inventories.js';
import { jobEvents, listJobs } from '../../store/jobs.js';
import { describeAccess } from '../../store/remote-access.js';
import { readHostBmc } from '../../store/host-bmcs.js';
import { waitingTask } from '../../store/tasks.js';
import { hostLink } from '../../store/host-links.js';
import { listProfiles } from '../../installers/index.js';
import { setTask } from '../../jobs/set-task.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { allow } from './console-access.js';
import { queryText, renderPage } from './console-views.js';
import { ocsComputerLink, webLinks } from './host-links.js';
import { taskFromForm } from './task-form.js';

export const HOSTS_PER_PAGE = 50;
const BOOT_STATES = ['localboot', 'discover', 'install', 'restore', 'rescue'];

export interface HostPageDeps {
  db: DataSource;
  platform: Platform;
  kinds: JobKinds;
  /** With platform ocs and ocs.consoleUrl set: each host links to its OCS computer page. */
  ocsConsoleUrl?: string;
}

export function hostPages(app: FastifyInstance, deps: HostPageDeps): void {
  const db = deps.db.manager;

  app.get<{ Querystring: Record<string, unknown> }>('/', { preHandler: allow('read') }, async (request, reply) => {
    const q = request.query;
    const filter = { search: queryText(q.q), status: queryText(q.status), group: queryText(q.group), bootState: queryText(q.boot) };
    const page = Math.max(1, Math.min(1_000_000, Number(queryText(q.page)) || 1));
    const found = await searchHosts(db, { ...filter, offset: (page - 1) * HOSTS_PER_PAGE, limit: HOSTS_PER_PAGE });
    const pageUrl = (n: number) => {
      const params = new URLSearchParams(
        Object.entries({ q: filter.search, status: filter.status, group: filter.group, boot: filter.bootState }).filter(([, v]) => v) as Array<
          [string, string]
        >,
      );
      params.set('page', String(n));
      return `/?${params.toString()}`;
    };
    return renderPage(reply, 'hosts', {
      title: 'Hosts',
      filter,
      groups: (await listGroups(db)).map((g) => g.name),
      bootStates: BOOT_STATES,
      hosts: found.hosts,
      total: found.total,
      first: (page - 1) * HOSTS_PER_PAGE + 1,
      last: (page - 1) * HOSTS_PER_PAGE + found.hosts.length,
      previous: page > 1 ? pageUrl(page - 1) : undefined,
      next: page * HOSTS_PER_PAGE < found.total ? pageUrl(page + 1) : undefined,
    });
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/hosts/:id', { preHandler: allow('read') }, async (request, reply) => {
    const host = await getHost(db, hostId(request.params.id));
    const seesBmc = may(request.caller!.role, 'see-bmc');
    const [stored, jobs, access, bmc, profiles, platformRef] = await Promise.all([
      latestInventory(db, host.id),
      listJobs(db, { hostId: host.id, limit: 10 }),
      describeAccess(db, host.id),
      seesBmc ? readHostBmc(db, host.id) : undefined,
      listProfiles(db),
      deps.ocsConsoleUrl ? hostLink(db, host.id) : undefined,
    ]);
    const ocs = ocsComputerLink(deps.ocsConsoleUrl, platformRef);
    const hardware = stored ? hardwareView(stored.inventory) : null;
    const bootNic = hostBootNic(host);
    const known = new Map((hardware?.nics ?? []).map((n) => [n.mac, n]));
    const macs = [...new Set([...host.macs, ...known.keys()])];
    const bmcAddress = seesBmc ? (bmc?.address ?? host.bmcAddress) : undefined;
    const view = hostView(host);
    return renderPage(reply, 'host', {
      title: `Host ${host.name}`,
      host: view,
      task: (await waitingTask(db, host.id)) ?? null,
      hardware,
      inventoryAt: stored?.receivedAt.toISOString(),
      memory: hardware ? formatBytes(hardware.memoryBytes) : '',
      disks: (hardware?.disks ?? []).map((d) => ({ ...d, size: formatBytes(d.sizeBytes) })),
      nics: macs.map((mac) => {
        const nic = known.get(mac);
        return {
          mac,
          name: nic?.name ?? null,
          driver: nic?.driver ?? null,
          speed: nic?.speedMbps ? `${nic.speedMbps} Mb/s` : '',
          boot: bootNic?.mac === mac ? describeBootNic(bootNic) : null,
        };
      }),
      bmc: bmcAddress,
      remoteAddress: access?.address,
      links: [...(ocs ? [ocs] : []), ...webLinks(bmcAddress, access?.address)],
      jobs: await Promise.all(jobs.map(async (job) => ({ job, events: await jobEvents(db, job.id) }))),
      taskKinds: TASK_KINDS,
      profiles: profiles.map((p) => p.name),
      flash: queryText(request.query.set) ? `task ${queryText(request.query.set)} set; the runner opens the job at its next tick` : undefined,
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/hosts/:id/task',
    { preHandler: allow('set-task') },
    async (request, reply) => {
      const host = await getHost(db, hostId(request.params.id));
      const wanted = taskFromForm(request.body, request.caller!.actor, { hostIds: [host.id] });
      await setTask(deps.db, deps.platform, deps.kinds, wanted);
      return reply.redirect(`/hosts/${host.id}?set=${encodeURIComponent(wanted.task)}`, 303);
    },
  );
}

/** Pages name hosts by id only: a name or MAC in a URL is what `dploy hosts show` is for. */
function hostId(param: string): number {
  if (!/^\d{1,9}$/.test(param)) throw new DployError('DPLOY_ERR_NOT_FOUND', `no host ${param.slice(0, 40)}`);
  return Number(param);
}
