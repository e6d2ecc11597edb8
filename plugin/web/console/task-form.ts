// The task form (console/task-form.eta) of a host's or a group's page, read
// back into what `dploy task set` takes.

import { DployError } from '../../errors.js';
import { isTaskKind, TASK_KINDS } from '../../model/task.js';
import type { SetTaskRequest } from '../../jobs/set-task.js';

export type FormFields = Record<string, string | undefined>;

export function taskFromForm(body: FormFields, actor: string, target: { hostIds: number[]; groupId?: number }): SetTaskRequest {
  const task = body.task ?? '';
  if (!isTaskKind(task)) throw new DployError('DPLOY_ERR_INVALID_INPUT', `unknown task "${task.slice(0, 40)}" (one of ${TASK_KINDS.join(', ')})`);
  return {
    hostIds: target.hostIds,
    task,
    force: body.force === '1',
    actor,
    ...(body.profile ? { profile: body.profile } : {}),
    ...(body.image ? { image: body.image } : {}),
    ...(body.command ? { command: body.command, ...(target.groupId !== undefined ? { groupId: target.groupId } : {}) } : {}),
  };
}
