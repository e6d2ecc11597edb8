// "Mass processing" of administrative data and static groups, as an operator
// does them in the console. Every step is the request the browser makes:
//
// Selection (All computers, plugins/main_sections/ms_all_computers): the
// operator ticks check<ID> boxes and presses a button; garde_check()
// (require/function_search.php add_trait_select) opens
//   index.php?function=<page>&head=1&idchecked=<id,id>&comp=1
// where multi_lot() shows the CHOISE select (its onchange submits the form).
//
// Administrative data (ms_multi_search/ms_custom_tag.php, form lock_affect):
//   1. GET  tag_search&head=1&idchecked=…&comp=1
//   2. POST same URL: CSRF, CHOISE=SEL                       (select's onchange)
//   3. POST same URL: CSRF…, CHOISE=SEL, onglet=TAG, fields_<ID>=<value>,
//      checkfields_<ID>=on, Valid_modif=OK  → Admininfo::updateinfo_computer(ids, …, 'LIST')
//
// A group's members (ms_multi_search.php, criterion "Group" = groups_cache):
//   1. GET  visu_search; POST addSearchCrit table_select=groups_cache (onchange)
//   2. POST addSearchCrit table_select=groups_cache, columns_select=name, old_table=groups_cache
//   3. POST multiSearchCrits <uniq>_groups_cache_operator, <uniq>_groups_cache_fields=<group id>,
//      search_ok=OK  → result list; $_SESSION ID_REQ = the members
//   4. Mass processing with no box ticked: GET tag_search&head=1&idchecked= → multi_lot()
//      takes the whole result (CHOISE=REQ), then step 3 above.
//
// Static group (ms_groups/ms_custom_groups.php, form groups_affect):
//   1. GET  groups_search&head=1&idchecked=…&comp=1; POST CHOISE=SEL
//   2. POST NEW_RAZ=NEW (onchange), onglet=Static group
//   3. POST NAME_GROUP, LBL_GROUP, VALID_GROUP → creat_group(…, 'STATIC')

import type { RowDataPacket } from 'mysql2/promise';
import type { OcsConsole } from './console.js';
import { dataTables } from './datatable.js';
import { ocsDb } from './db.js';
import { findForm, formFields, pageText } from './html-form.js';

/** The mass-processing form's input for an administrative-data field: TAG or fields_<accountinfo_config.ID>. */
export async function adminDataInput(fieldName: string): Promise<string> {
  if (fieldName === 'TAG') return 'TAG';
  const db = await ocsDb();
  try {
    const [rows] = await db.query<RowDataPacket[]>("select ID from accountinfo_config where ACCOUNT_TYPE = 'COMPUTERS' and NAME = ?", [fieldName]);
    if (!rows[0]) throw new Error(`no administrative-data field ${fieldName} in accountinfo_config`);
    return `fields_${rows[0].ID}`;
  } finally {
    await db.end();
  }
}

/** Ticks these computers in All computers and presses `page`'s button: the URL garde_check() opens. */
export async function selectComputers(console: OcsConsole, ids: number[], page: 'tag_search' | 'groups_search'): Promise<string> {
  const listed = new Set((await console.allComputers()).map((c) => c.id));
  const missing = ids.filter((id) => !listed.has(id));
  if (missing.length) throw new Error(`computers ${missing.join(', ')} are not in All computers`);
  return `index.php?function=${page}&head=1&idchecked=${ids.join(',')}&comp=1`;
}

/** Administrative data → value for the computers `ids`, through Mass processing of a selection. */
export async function setAdminData(console: OcsConsole, ids: number[], fieldName: string, value: string): Promise<void> {
  const url = await selectComputers(console, ids, 'tag_search');
  const choice = await console.submit(url, 'lock_affect', { CHOISE: 'SEL' });
  await submitAdminData(console, url, choice, fieldName, value);
}

/** Step 3 of the administrative-data form: the field, its tick box, OK. */
async function submitAdminData(console: OcsConsole, url: string, page: string, fieldName: string, value: string): Promise<void> {
  const input = await adminDataInput(fieldName);
  const form = findForm(page, 'lock_affect');
  if (!form.controls.some((c) => c.name === input)) {
    throw new Error(`the mass-processing form has no ${input} (${fieldName}); it shows:\n${pageText(page).slice(-800)}`);
  }
  const done = await console.post(url, formFields(form, { [input]: value, [`check${input}`]: true }, 'Valid_modif'));
  // updateinfo_computer() succeeds silently; the page reloads its opener (show_all / multisearch).
  if (!done.includes('window.opener.document')) throw new Error(`mass processing of ${fieldName} did not apply:\n${pageText(done).slice(-800)}`);
}

/** A static group of the computers `ids`, created from their selection in All computers. */
export async function createStaticGroup(console: OcsConsole, name: string, ids: number[], description = name): Promise<void> {
  const url = await selectComputers(console, ids, 'groups_search');
  const choice = await console.submit(url, 'groups_affect', { CHOISE: 'SEL' });
  const newGroup = await console.submit(url, 'groups_affect', { NEW_RAZ: 'NEW' }, undefined, choice);
  const done = await console.submit(url, 'groups_affect', { NAME_GROUP: name, LBL_GROUP: description }, 'VALID_GROUP', newGroup);
  const text = pageText(done);
  if (!text.includes(`${ids.length} computer`)) throw new Error(`creating static group ${name} failed:\n${text.slice(-800)}`);
}

/** Administrative data → value for every member of `groupName`: a search on the group, then Mass processing of the result. */
export async function setAdminDataOnGroup(console: OcsConsole, groupName: string, fieldName: string, value: string): Promise<number> {
  const members = await searchGroupMembers(console, groupName);
  const url = 'index.php?function=tag_search&head=1&idchecked=';
  await submitAdminData(console, url, await console.get(url), fieldName, value);
  return members;
}

/** Search with various criteria: "Group" belongs to `groupName`. Returns how many computers the search found. */
export async function searchGroupMembers(console: OcsConsole, groupName: string): Promise<number> {
  const url = 'index.php?function=visu_search';
  const table = await console.submit(url, 'addSearchCrit', { table_select: 'groups_cache' });
  const criterion = await console.submit(url, 'addSearchCrit', { table_select: 'groups_cache', columns_select: 'name' }, undefined, table);
  const form = findForm(criterion, 'multiSearchCrits');
  const field = form.controls.find((c) => c.name.endsWith('_groups_cache_fields'));
  if (!field) throw new Error(`no group criterion on the search page:\n${pageText(criterion).slice(-800)}`);
  const result = await console.post(url, formFields(form, { [field.name]: groupName }));
  const list = dataTables(result).find((t) => t.tableName === 'affich_multi_crit');
  if (!list) throw new Error(`the group search showed no result list:\n${pageText(result).slice(-800)}`);
  return (await console.tableRows(result, list)).length;
}
