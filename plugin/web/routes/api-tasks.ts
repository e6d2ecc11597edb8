// POST /api/v1/tasks: `dploy task set` for scripts. A busy machine is refused
// (409, naming its job) unless force, which cancels the running job first.

import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import { TASK_KINDS, type TaskKind } from '../../model/task.js';
import { setTask, taskTargets } from '../../jobs/set-task.js';
import type { JobKinds } from '../../jobs/index.js';
import type { Platform } from '../../platforms/index.js';
import { IMAGE_ENGINES, type ImageEngine } from '../../store/image-engines.js';
import { apiAccess } from '../api-auth.js';
import { taskSetSchema } from '../api-schemas.js';

interface TaskBody {
  target: string;
  task: TaskKind;
  profile?: string;
  image?: string;
  engine?: ImageEngine;
  command?: string;
  force?: boolean;
}

const body = {
  type: 'object',
  required: ['target', 'task'],
  additionalProperties: false,
  properties: {
    target: { type: 'string', minLength: 1, maxLength: 255, description: 'a host (id, name or MAC) or @group' },
    task: { type: 'string', enum: [...TASK_KINDS] },
    profile: { type: 'string', maxLength: 255, description: 'install: the profile' },
    image: { type: 'string', maxLength: 255, description: 'restore, image: the image' },
    engine: { type: 'string', enum: [...IMAGE_ENGINES], description: "image: tar (default, dploy's own capture) or mondo (the machine's own mondoarchive)" },
    command: { type: 'string', maxLength: 4096, description: 'command: the shell command run over SSH' },
    force: { type: 'boolean', description: 'cancel a running job and replace it' },
  },
};

export function apiTaskRoutes(app: FastifyInstance, deps: { db: DataSource; platform: Platform; kinds: JobKinds }): void {
  app.post<{ Body: TaskBody }>(
    '/api/v1/tasks',
    { ...apiAccess(deps.db, 'set-task'), schema: { summary: 'set a task on a host or a group', body, response: { 200: taskSetSchema } } },
    async (request) => {
      const b = request.body;
      const { hostIds, groupId } = await taskTargets(deps.db.manager, b.target);
      const outcome = await setTask(deps.db, deps.platform, deps.kinds, {
        hostIds,
        task: b.task,
        force: b.force ?? false,
        actor: request.caller!.actor,
        ...(b.profile ? { profile: b.profile } : {}),
        ...(b.image ? { image: b.image } : {}),
        ...(b.engine ? { engine: b.engine } : {}),
        ...(b.command !== undefined ? { command: b.command, ...(groupId !== undefined ? { groupId } : {}) } : {}),
      });
      return { task: b.task, hostIds, cancelled: outcome.cancelled };
    },
  );
}
