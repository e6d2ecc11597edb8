// Administrative-data fields made and removed the way an administrator does it,
// on the console's "Administrative data" page (function=admin_info,
// plugins/main_sections/ms_admininfo/ms_admininfo.php, form admin_info):
//   new field: POST onglet=2 (the "New data" tab), then accountinfo=COMPUTERS,
//              newfield, newlbl, newtype, account_tab, Valid_modif
//              → Admininfo::add_accountinfo(): accountinfo_config row +
//                ALTER TABLE accountinfo ADD COLUMN fields_<ID>
//   its select values: function=admin_values&tag=ACCOUNT_VALUE_<NAME>
//              (ms_config/ms_adminvalues.php), onglet=2, newfield, Valid_modif
//              → config row ACCOUNT_VALUE_<NAME>_<n>
//   delete:    POST onglet=1, SUP_PROF=<ID> → Admininfo::del_accountinfo()

import type { OcsConsole } from './console.js';
import { dataTables } from './datatable.js';
import { pageText } from './html-form.js';

/** accountinfo_config.TYPE as the "Type" select shows it (Admininfo::$type_accountinfo). */
export type AdminDataType = 'TEXT' | 'TEXTAREA' | 'SELECT' | 'CHECKBOX' | 'DATE' | 'RADIOBUTTON';

export interface AdminDataField {
  id: number;
  name: string;
  label: string;
}

const PAGE = 'index.php?function=admin_info';

/** The COMPUTERS fields the page lists. */
export async function adminDataFields(console: OcsConsole): Promise<AdminDataField[]> {
  const page = await console.get(PAGE);
  const table = dataTables(page).find((t) => t.tableName === 'admin_info');
  if (!table) throw new Error(`no field list on ${PAGE}:\n${pageText(page).slice(-800)}`);
  return (await console.tableRows(page, table)).map((row) => ({
    id: Number(row.ID),
    name: pageText(row.NAME ?? ''),
    label: pageText(row.COMMENT ?? ''),
  }));
}

export async function createAdminDataField(
  console: OcsConsole,
  field: { name: string; label: string; type?: AdminDataType; values?: string[] },
): Promise<AdminDataField> {
  const tab = await console.submit(PAGE, 'admin_info', { onglet: '2' });
  const done = await console.submit(
    PAGE,
    'admin_info',
    { accountinfo: 'COMPUTERS', newfield: field.name, newlbl: field.label, newtype: field.type ?? 'TEXT', account_tab: 'TAG' },
    'Valid_modif',
    tab,
  );
  const created = (await adminDataFields(console)).find((f) => f.name === field.name);
  if (!created) throw new Error(`creating administrative-data field ${field.name} failed:\n${pageText(done).slice(-800)}`);
  for (const value of field.values ?? []) await addSelectValue(console, field.name, value);
  return created;
}

/** One value of a SELECT/RADIOBUTTON field (config ACCOUNT_VALUE_<NAME>_<n>). */
export async function addSelectValue(console: OcsConsole, fieldName: string, value: string): Promise<void> {
  const { url, form } = valuesPage(fieldName);
  const tab = await console.submit(url, form, { onglet: '2' });
  await console.submit(url, form, { newfield: value }, 'Valid_modif', tab);
}

/** Removes the field; its select values first, which del_accountinfo() would leave behind in config. */
export async function deleteAdminDataField(console: OcsConsole, field: AdminDataField): Promise<void> {
  const { url, form } = valuesPage(field.name);
  const page = await console.get(url);
  const list = dataTables(page).find((t) => t.tableName === form);
  for (const row of list ? await console.tableRows(page, list) : []) {
    await console.submit(url, form, { onglet: '1', SUP_PROF: String(row.IVALUE) });
  }
  await console.submit(PAGE, 'admin_info', { onglet: '1', SUP_PROF: String(field.id) });
  if ((await adminDataFields(console)).some((f) => f.id === field.id)) throw new Error(`administrative-data field ${field.name} is still listed after delete`);
}

function valuesPage(fieldName: string): { url: string; form: string } {
  const tag = `ACCOUNT_VALUE_${fieldName}`;
  return { url: `index.php?function=admin_values&head=1&tag=${tag}`, form: `admin_values_config${tag}` };
}
