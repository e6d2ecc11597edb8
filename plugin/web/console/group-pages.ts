// Groups (GET /groups), one group with its members and, for operators, the
// task form that sets a task on every member at once (POST /groups/:name/task),
// as `dploy task set @group` does: all members get it or none does.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { TASK_KINDS } from '../../model/task.js';
import { getGroup, listGroups } from '../../store/groups.js';
import { findHost } from '../../store/hosts.js';
import { listProfiles } from '../../installers/index.js';
import { setTask, taskTargets } from '../../jobs/set-task.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { allow } from './console-access.js';
import { queryText, renderPage } from './console-views.js';
import { taskFromForm, type FormFields } from './task-form.js';

export function groupPages(app: FastifyInstance, deps: { db: DataSource; platform: Platform; kinds: JobKinds }): void {
  const db = deps.db.manager;
  app.get('/groups', { preHandler: allow('read') }, async (_request, reply) => renderPage(reply, 'groups', { title: 'Groups', groups: await listGroups(db) }));

  app.get<{ Params: { name: string }; Querystring: Record<string, unknown> }>('/groups/:name', { preHandler: allow('read') }, async (request, reply) => {
    const group = await getGroup(db, request.params.name);
    const members = [];
    for (const id of group.hostIds) {
      const host = await findHost(db, id);
      if (host) members.push({ id, name: host.name, status: host.status ?? '' });
    }
    const set = queryText(request.query.set);
    return renderPage(reply, 'group', {
      title: `Group ${group.name}`,
      group,
      members,
      taskKinds: TASK_KINDS,
      profiles: (await listProfiles(db)).map((p) => p.name),
      flash: set ? `task ${set} set on ${members.length} machine(s); the runner opens the jobs at its next tick` : undefined,
    });
  });

  app.post<{ Params: { name: string }; Body: FormFields }>('/groups/:name/task', { preHandler: allow('set-task') }, async (request, reply) => {
    const target = await taskTargets(db, `@${request.params.name}`);
    const wanted = taskFromForm(request.body, request.caller!.actor, target);
    await setTask(deps.db, deps.platform, deps.kinds, wanted);
    return reply.redirect(`/groups/${encodeURIComponent(request.params.name)}?set=${encodeURIComponent(wanted.task)}`, 303);
  });
}
