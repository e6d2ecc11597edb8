// What an operator asks of a machine, set in the host tool's console (OCS
// administrative data, SIM custom attribute) or dploy's own CLI/console.

export const TASK_KINDS = [
  'discover',
  'install',
  'restore',
  'image',
  'rebuild',
  'localboot',
  'forget',
  'command',
  'power-on',
  'power-off',
  'power-cycle',
  'power-status',
  'firmware',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface TaskRequest {
  hostId: number;
  task: TaskValue;
  profile?: string;
  image?: string;
  /** When the operator set it, where the host tool records that. */
  setAt?: Date;
}

/**
 * What the operator can set beyond a task: `cancel` ends the machine's running
 * job (the only way to stop one from a console that has nothing but the task
 * field), and goes back to none.
 */
export const CANCEL = 'cancel';
export type TaskValue = TaskKind | typeof CANCEL;

/** A task a job took, or a cancel dploy carried out: the task field is reset only while it still holds this. */
export interface TakenTask {
  task: TaskValue;
  /** The profile or image it named, when it named one. */
  what?: string;
}

/** A request that opens a job (everything but cancel). */
export type JobTaskRequest = TaskRequest & { task: TaskKind };

export function isJobTask(request: TaskRequest): request is JobTaskRequest {
  return request.task !== CANCEL;
}

export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}
