// dploy_audit_log: who set which task, cancelled which job, changed which
// profile, user or token; written beside the change by whoever made it.

import type { EntityManager } from 'typeorm';

export interface AuditEntry {
  at: Date;
  /** "console:alice", "api:token-name", "cli". */
  actor: string;
  action: string;
  target: string;
  detail?: string;
}

interface AuditRow {
  id: number;
  at: Date | string;
  actor: string;
  action: string;
  target: string;
  detail: string | null;
}

export async function recordAudit(db: EntityManager, entry: Omit<AuditEntry, 'at'>, now = new Date()): Promise<void> {
  await db.getRepository<AuditRow>('AuditEntry').insert({
    at: now,
    actor: entry.actor.slice(0, 128),
    action: entry.action.slice(0, 32),
    target: entry.target.slice(0, 255),
    detail: entry.detail?.slice(0, 1024) ?? null,
  });
}

export async function listAudit(db: EntityManager, limit = 100): Promise<AuditEntry[]> {
  const rows = await db.getRepository<AuditRow>('AuditEntry').find({ order: { id: 'DESC' }, take: limit });
  return rows.map((r) => ({ at: new Date(r.at), actor: r.actor, action: r.action, target: r.target, ...(r.detail ? { detail: r.detail } : {}) }));
}
