// The OCS console (ocsinventory-reports 2.11.1) driven over HTTP the way an
// operator's browser drives it: one PHP session, each form fetched first for
// its CSRF token (open_form(), require/function_commun.php) then submitted with
// the fields the browser would send, lists read through the same AJAX
// DataTables requests the pages make. See docs/ocs-testing.md.

import { ocsStack } from '../ocs-stack.js';
import { ocsHttp, setCookies } from './http.js';
import { dataTableBody, dataTables, type DataTable } from './datatable.js';
import { findForm, formFields, forms, pageText, selectedOption } from './html-form.js';
import { createStaticGroup, setAdminData, setAdminDataOnGroup } from './mass-processing.js';

export type Row = Record<string, string>;

export interface ListedComputer {
  id: number;
  name: string;
  /** Every visible column as the operator reads it, keyed by its header ("Serial number", "MAC address" …). */
  columns: Row;
}

/** The computer detail sections (plugins/computer_detail/cd_*). */
export const SECTIONS = {
  bios: 'cd_bios',
  cpu: 'cd_processors',
  memory: 'cd_memories',
  storage: 'cd_storages',
  drives: 'cd_drives',
  network: 'cd_networks',
  admindata: 'cd_admininfo',
} as const;
export type Section = keyof typeof SECTIONS;

export class OcsConsole {
  private readonly cookies = new Map<string, string>();
  readonly base: string;

  constructor(base = ocsStack().consoleUrl) {
    this.base = base;
  }

  /** GET a console path (relative to /ocsreports/), returning the HTML. */
  async get(path: string): Promise<string> {
    return this.request('GET', path);
  }

  /** POST form fields to a console path, returning the HTML. */
  async post(path: string, fields: [string, string][] | URLSearchParams): Promise<string> {
    return this.request('POST', path, new URLSearchParams(fields));
  }

  /** Fetches `path`, fills form `formName` as the operator would and submits it to the same URL. */
  async submit(path: string, formName: string, set: Record<string, string | boolean> = {}, clicked?: string, page?: string): Promise<string> {
    const html = page ?? (await this.get(path));
    const form = findForm(html, formName);
    return this.post(form.action || path, formFields(form, set, clicked));
  }

  /** The login form index.php shows (backend/AUTH/auth.php, form CHANGE): LOGIN, PASSWD, Valid_CNX. */
  async login(user = 'admin', password = 'admin'): Promise<void> {
    const page = await this.get('index.php');
    const form = forms(page).find((f) => f.controls.some((c) => c.name === 'LOGIN'));
    if (!form) throw new Error(`no login form on ${this.base}/index.php:\n${pageText(page).slice(0, 800)}`);
    const html = await this.post('index.php', formFields(form, { LOGIN: user, PASSWD: password }, 'Valid_CNX'));
    if (!html.includes('function=visu_computers')) throw new Error(`console login as ${user} failed:\n${pageText(html).slice(0, 800)}`);
  }

  /** All rows of every page of `table`, as the DataTables AJAX call returns them (HTML cells). */
  async tableRows(page: string, table: DataTable, pageLength = 1000): Promise<Row[]> {
    const rows: Row[] = [];
    for (let start = 0; ; start += pageLength) {
      const json = await this.request('POST', table.url, dataTableBody(page, table, start, pageLength));
      let reply: { recordsFiltered: number; data: Row[] | 0 };
      try {
        reply = JSON.parse(json);
      } catch {
        throw new Error(`${table.url} did not answer JSON:\n${pageText(json).slice(0, 800)}`);
      }
      if (Array.isArray(reply.data)) rows.push(...reply.data);
      if (start + pageLength >= Number(reply.recordsFiltered)) return rows;
    }
  }

  /** "All computers" (function=visu_computers), every page, visible columns as text. */
  async allComputers(): Promise<ListedComputer[]> {
    const page = await this.get('index.php?function=visu_computers');
    const table = only(dataTables(page), 'list_show_all');
    const rows = await this.tableRows(page, table);
    return rows.map((row) => ({
      id: Number(row.ID ?? /check(\d+)/.exec(row.CHECK ?? '')?.[1]),
      name: cellText(row.name),
      columns: visibleText(table, row),
    }));
  }

  /**
   * A section of the computer detail page (function=computer&head=1&systemid=…&option=cd_…)
   * as readable text: one line per row, "Label: value" for each visible column.
   */
  async computerSection(id: number, section: Section): Promise<string> {
    const path = `index.php?function=computer&head=1&systemid=${id}&option=${SECTIONS[section]}`;
    const page = await this.get(path);
    const tables = dataTables(page);
    if (!tables.length) return pageText(page.slice(page.indexOf('<div class="col col-md-10">')));
    const lines: string[] = [];
    for (const table of tables) {
      for (const row of await this.tableRows(page, table)) {
        lines.push(
          Object.entries(visibleText(table, row))
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n'),
        );
      }
    }
    return lines.join('\n\n');
  }

  /**
   * The computer's administrative data as its detail page shows it
   * (plugins/computer_detail/cd_admininfo, form admin_info_computer): every tab
   * (onglet = TAB_ACCOUNTAG_<n>) visited, label → value (a select's chosen text).
   */
  async adminData(id: number): Promise<Row> {
    const path = `index.php?function=computer&head=1&systemid=${id}&option=${SECTIONS.admindata}`;
    const first = await this.get(path);
    const tabs = [...new Set([...first.matchAll(/pag\("(\d+)","onglet","admin_info_computer"\)/g)].map((m) => m[1]!))];
    const result: Row = {};
    for (const tab of tabs.length ? tabs : ['1']) {
      const page = await this.submit(path, 'admin_info_computer', { onglet: tab }, undefined, first);
      const form = findForm(page, 'admin_info_computer');
      for (const m of page.matchAll(/<label for='([^']*)'[^>]*>([^<]*)<\/label>/g)) {
        const control = form.controls.find((c) => c.name === m[1]);
        if (!control) continue;
        result[m[2]!.trim()] = control.tag === 'select' ? (selectedOption(control)?.text ?? '') : control.value;
      }
    }
    return result;
  }

  /** Mass processing → administrative data for a selection of computers (see mass-processing.ts). */
  setAdminData(hardwareIds: number[], fieldName: string, value: string): Promise<void> {
    return setAdminData(this, hardwareIds, fieldName, value);
  }

  /** A static group of these computers, from their selection in All computers. */
  createStaticGroup(name: string, hardwareIds: number[]): Promise<void> {
    return createStaticGroup(this, name, hardwareIds);
  }

  /** Search on the group's members, then mass processing of the whole result; returns the member count. */
  setAdminDataOnGroup(groupName: string, fieldName: string, value: string): Promise<number> {
    return setAdminDataOnGroup(this, groupName, fieldName, value);
  }

  async request(method: 'GET' | 'POST', path: string, body?: URLSearchParams): Promise<string> {
    let url = new URL(path, `${this.base}/`).toString();
    for (let hop = 0; hop < 5; hop++) {
      const response = await ocsHttp(url, {
        method,
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } : {}),
        },
        ...(method === 'POST' && body ? { body: body.toString() } : {}),
      });
      for (const cookie of setCookies(response)) {
        const [pair] = cookie.split(';');
        const eq = pair!.indexOf('=');
        const value = pair!.slice(eq + 1);
        if (value === 'deleted' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(pair!.slice(0, eq));
        else this.cookies.set(pair!.slice(0, eq), value);
      }
      const location = response.headers.location as string | undefined;
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      const text = response.body.toString('utf8');
      if (response.status >= 400) throw new Error(`${method} ${url}: HTTP ${response.status}\n${pageText(text).slice(0, 800)}`);
      if (text.includes('CSRF ATTACK')) throw new Error(`${method} ${url}: the console refused the CSRF token`);
      return text;
    }
    throw new Error(`${path}: too many redirects`);
  }
}

function only(tables: DataTable[], name: string): DataTable {
  const table = tables.find((t) => t.tableName === name);
  if (!table) throw new Error(`no DataTable ${name} on the page (found ${tables.map((t) => t.tableName).join(', ')})`);
  return table;
}

export function cellText(html: string | undefined): string {
  return pageText(html ?? '').replace(/\n/g, ' ');
}

function visibleText(table: DataTable, row: Row): Row {
  const result: Row = {};
  for (const c of table.columns) {
    if (!c.visible || ['CHECK', 'SUP', 'ACTIONS', 'ARCHIVER', 'MODIF'].includes(c.data)) continue;
    result[c.label] = cellText(row[c.data]);
  }
  return result;
}
