// What an operator asks of a machine, set in the host tool's console (OCS
// administrative data, SIM custom attribute) or dploy's own CLI/console.

export const TASK_KINDS = ['discover', 'install', 'restore', 'image', 'localboot', 'forget', 'command', 'power-on', 'power-off', 'power-cycle', 'power-status', 'firmware'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface TaskRequest {
  hostId: number;
  task: TaskKind;
  profile?: string;
  image?: string;
  /** When the operator set it, where the host tool records that. */
  setAt?: Date;
}

export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}
