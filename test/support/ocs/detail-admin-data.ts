// A computer's Administrative data, saved from its detail page the way an
// operator does it (plugins/computer_detail/cd_admininfo, form
// admin_info_computer): open the page, click the tab (pag(<n>,"onglet",…)),
// change a field, press OK (Valid_modif). The browser sends every field of the
// tab as the page showed it, the ones the operator did not touch included:
// cd_admininfo.php then writes them all (Admininfo::updateinfo_computer).

import type { OcsConsole } from './console.js';
import { findForm } from './html-form.js';
import { adminDataInput } from './mass-processing.js';

/** The detail page of the computer, on the tab labelled `tabLabel`, as the operator's browser holds it. */
export async function openAdminTab(console: OcsConsole, id: number, tabLabel: string): Promise<AdminTab> {
  const path = `index.php?function=computer&head=1&systemid=${id}&option=cd_admininfo`;
  const first = await console.get(path);
  const tab = [...first.matchAll(/<a[^>]*pag\("(\d+)","onglet","admin_info_computer"\)[^>]*>([^<]*)</g)].find((m) => m[2]!.trim() === tabLabel)?.[1];
  if (!tab) throw new Error(`computer ${id} has no administrative-data tab "${tabLabel}"`);
  const page = await console.submit(path, 'admin_info_computer', { onglet: tab }, undefined, first);
  return { console, path, page, tab };
}

export interface AdminTab {
  console: OcsConsole;
  path: string;
  /** The page as loaded: what the browser submits for the fields left alone. */
  page: string;
  tab: string;
}

/** Changes the named fields (DPLOYTASK …; a select by its label) and presses OK. */
export async function saveAdminTab(tab: AdminTab, set: Record<string, string>): Promise<void> {
  const fields: Record<string, string> = { onglet: tab.tab };
  for (const [name, value] of Object.entries(set)) fields[await adminDataInput(name)] = value;
  const form = findForm(tab.page, 'admin_info_computer');
  await tab.console.submit(tab.path, form.name, fields, 'Valid_modif', tab.page);
}
