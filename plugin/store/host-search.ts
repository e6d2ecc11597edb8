// One page of the hosts list as the console asks for it: a search over name,
// serial and MACs, filters on status, group and boot state, counted for the
// pager. One query for the page and one for the count, whatever the size.

import { In, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { normalizeMac } from '../model/mac.js';
import type { Host } from '../model/host.js';
import { hostFromRow, type HostMacRow, type HostRow } from './host-rows.js';

export interface HostFilter {
  /** Part of a name, a serial or a MAC (any separator). */
  search?: string;
  /** Statuses are sentences ("installing rocky-9 since 10:42"): matched by their start. */
  status?: string;
  group?: string;
  bootState?: string;
  offset: number;
  limit: number;
  /** Keyset paging: only names after this one (names are unique), so a walk neither skips nor repeats a host as others come and go. */
  afterName?: string;
}

export interface HostLine {
  id: number;
  name: string;
  serial: string | null;
  bootState: string;
  bootProfile: string | null;
  task: string | null;
  taskProfile: string | null;
  status: string | null;
}

// "!" as LIKE's escape: a backslash is read differently by MariaDB, PostgreSQL and SQLite string literals.
const likeEscaped = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`);
/** A part of a MAC as stored (colon-separated pairs): "52-54-00-ab", "ab:00:0"; or bare / Cisco-dotted hex pairs, "5254.00ab". "node" is none. */
function macFragment(search: string): string | undefined {
  if (/^[0-9a-f]{1,2}([:-][0-9a-f]{1,2})+[:-]?$/.test(search)) return search.replace(/-/g, ':');
  const hex = search.replace(/\./g, '');
  if (/^[0-9a-f.]+$/.test(search) && /^([0-9a-f]{2}){2,6}$/.test(hex)) return hex.match(/../g)!.join(':');
  return undefined;
}

function filtered(db: EntityManager, f: HostFilter): SelectQueryBuilder<object> {
  const query = db.createQueryBuilder().from('dploy_hosts', 'h');
  const search = f.search?.trim().toLowerCase();
  if (search) {
    const like = `%${likeEscaped(search)}%`;
    const mac = normalizeMac(search) ?? macFragment(search);
    const byMac = mac ? ` OR h.id IN (SELECT m.host_id FROM dploy_host_macs m WHERE m.mac LIKE :mac)` : '';
    query.andWhere(`(LOWER(h.name) LIKE :like ESCAPE '!' OR LOWER(h.serial) LIKE :like ESCAPE '!'${byMac})`, { like, mac: `%${mac}%` });
  }
  if (f.status) query.andWhere(`h.status LIKE :status ESCAPE '!'`, { status: `${likeEscaped(f.status)}%` });
  if (f.bootState) query.andWhere('h.boot_state = :bootState', { bootState: f.bootState });
  if (f.group) {
    query.andWhere('h.id IN (SELECT gm.host_id FROM dploy_group_members gm INNER JOIN dploy_groups g ON g.id = gm.group_id WHERE g.name = :group)', {
      group: f.group,
    });
  }
  return query;
}

export async function searchHosts(db: EntityManager, f: HostFilter): Promise<{ hosts: HostLine[]; total: number }> {
  const counted: Array<{ n: number | string }> = await filtered(db, f).select('COUNT(*)', 'n').getRawMany();
  const page = filtered(db, f)
    .select(['h.id AS id', 'h.name AS name', 'h.serial AS serial', 'h.boot_state AS boot_state', 'h.boot_profile AS boot_profile'])
    .addSelect(['h.task AS task', 'h.task_profile AS task_profile', 'h.status AS status']);
  // The total counts the whole filtered list; only the page starts after the name.
  if (f.afterName !== undefined) page.andWhere('h.name > :afterName', { afterName: f.afterName });
  const rows: Array<Record<string, unknown>> = await page.orderBy('h.name', 'ASC').offset(f.offset).limit(f.limit).getRawMany();
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    total: Number(counted[0]?.n ?? 0),
    hosts: rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      serial: text(r.serial),
      bootState: String(r.boot_state),
      bootProfile: text(r.boot_profile),
      task: text(r.task),
      taskProfile: text(r.task_profile),
      status: text(r.status),
    })),
  };
}

/**
 * One page of whole hosts (MACs too), for the API: the page's ids first (one more than the page, to know whether
 * another follows), then their rows and MACs, four queries with the count.
 */
export async function pageOfHosts(db: EntityManager, f: HostFilter): Promise<{ hosts: Host[]; total: number; more: boolean }> {
  const page = await searchHosts(db, { ...f, limit: f.limit + 1 });
  const more = page.hosts.length > f.limit;
  const ids = page.hosts.slice(0, f.limit).map((h) => h.id);
  if (ids.length === 0) return { hosts: [], total: page.total, more };
  const rows = await db.getRepository<HostRow>('Host').findBy({ id: In(ids) });
  const macs = await db.getRepository<HostMacRow>('HostMac').findBy({ host_id: In(ids) });
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  return {
    total: page.total,
    more,
    hosts: ids.flatMap((id) => {
      const row = byId.get(id);
      return row
        ? [
            hostFromRow(
              row,
              macs.filter((m) => Number(m.host_id) === id),
            ),
          ]
        : [];
    }),
  };
}
