// The OCS REST API (Api::Ocsinventory::Restapi 2.8.1 under /ocsapi, routes in
// /usr/share/perl5/Api/Ocsinventory/Restapi/Loader.pm), as an integrator reads it.
// Two quirks of this version, both measured:
// - GET /v1/computer/:id answers HTTP 500 for a computer the real agent
//   inventoried: ApiCommon.pm reads table `unixusers` (dropped by reports'
//   files/update/7040.sql; `dploy migrate` recreates it) and joins
//   software_name.CATEGORY, a column the 7069 schema lacks (line 158).
//   GET /v1/computer/:id/:section (bios, networks, cpus …) works.
// - /v1/computer/:id/:section renders a JSON *string* holding the JSON
//   document ({"<id>": {"hardware": {…}, "<section>": [rows]}}), so it is decoded twice.

import { ocsStack } from '../ocs-stack.js';
import { ocsHttp } from './http.js';

export type ApiRow = Record<string, string | number | null>;

async function getJson(path: string): Promise<unknown> {
  const url = `${ocsStack().apiUrl}${path}`;
  const response = await ocsHttp(url);
  const text = response.body.toString('utf8');
  if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return JSON.parse(text);
}

/** hardware.ID of every computer and group (/v1/computers/listID). */
export async function apiComputerIds(): Promise<number[]> {
  const rows = (await getJson('/computers/listID')) as { ID: number }[];
  return rows.map((r) => r.ID);
}

/** One section of a computer (/v1/computer/:id/:section): its hardware row and the section's rows. */
export async function apiComputerSection(id: number, section: string): Promise<{ hardware: ApiRow; rows: ApiRow[] }> {
  let body = await getJson(`/computer/${id}/${section}`);
  if (typeof body === 'string') body = JSON.parse(body);
  const computer = (body as Record<string, Record<string, unknown>>)[String(id)];
  if (!computer) throw new Error(`/computer/${id}/${section} returned no computer ${id}`);
  return { hardware: computer.hardware as ApiRow, rows: (computer[section] ?? []) as ApiRow[] };
}
