// The console's lists are DataTables filled over AJAX: the page only holds the
// table skeleton and a script (ajaxtab_entete_fixe(), ocsreports
// require/function_table_html.php) that POSTs to ajax.php?<same query> with the
// DataTables server-side parameters, a CSRF token, the page's own POST fields
// and the serialized form. This reads that script and builds the same request.

import { attributes, decodeEntities, formFields, forms } from './html-form.js';

export interface DataTableColumn {
  /** Key of the value in each JSON row. */
  data: string;
  /** SQL expression; the server sorts and searches on it. */
  name: string;
  orderable: boolean;
  searchable: boolean;
  visible: boolean;
  /** The column header the operator sees. */
  label: string;
}

export interface DataTable {
  tableName: string;
  formName: string;
  /** ajax.php?… exactly as the page's script has it. */
  url: string;
  csrfInputId: string;
  /** d['key'] = 'value' lines: the page's own POST fields, resent with each AJAX call. */
  extra: [string, string][];
  columns: DataTableColumn[];
}

/** Every server-side DataTable the page sets up, in page order. */
export function dataTables(html: string): DataTable[] {
  const result: DataTable[] = [];
  const starts = [...html.matchAll(/var table_name = "([^"]*)";/g)];
  for (const [i, start] of starts.entries()) {
    const block = html.slice(start.index, starts[i + 1]?.index ?? html.length);
    const tableName = start[1]!;
    const formName = /var form_name = "form#([^"]*)";/.exec(block)?.[1] ?? '';
    const url = decodeEntities(/'url': '([^']*)'/.exec(block)?.[1] ?? '');
    const csrfInputId = /var csrfid = "input#([^"]*)";/.exec(block)?.[1] ?? '';
    const extra = [...block.matchAll(/^\s*d\['([^']*)'\] = '([^']*)';/gm)].map((m) => [m[1]!, m[2]!] as [string, string]);
    const columnsSource = block.slice(block.indexOf('"columns": ['), block.indexOf('"language"'));
    const labels = headerLabels(html, tableName);
    const columns = [...columnsSource.matchAll(/\{\s*'data'\s*:\s*'([^']*)'([^}]*)\}/g)].map((m, index) => ({
      data: m[1]!,
      name: /'name':'([^']*)'/.exec(m[2]!)?.[1] ?? m[1]!,
      orderable: /'orderable':\s*true/.test(m[2]!),
      searchable: !/'searchable':\s*false/.test(m[2]!),
      visible: /'visible' : true/.test(m[2]!),
      label: labels[index] ?? m[1]!,
    }));
    result.push({ tableName, formName, url, csrfInputId, extra, columns });
  }
  return result;
}

function headerLabels(html: string, tableName: string): string[] {
  const at = html.indexOf(`<table id='${tableName}'`);
  if (at < 0) return [];
  const head = html.slice(at, html.indexOf('</thead>', at));
  return [...head.matchAll(/<th>([\s\S]*?)<\/th>/g)].map((m) => decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).trim());
}

/**
 * The body jQuery DataTables posts for one page of rows (serverSide mode,
 * jQuery.param bracket notation), plus what the page's "data" callback adds.
 */
export function dataTableBody(html: string, table: DataTable, start: number, length: number): URLSearchParams {
  const body = new URLSearchParams();
  body.append('draw', '1');
  table.columns.forEach((c, i) => {
    body.append(`columns[${i}][data]`, c.data);
    body.append(`columns[${i}][name]`, c.name);
    body.append(`columns[${i}][searchable]`, String(c.searchable));
    body.append(`columns[${i}][orderable]`, String(c.orderable));
    body.append(`columns[${i}][search][value]`, '');
    body.append(`columns[${i}][search][regex]`, 'false');
  });
  body.append('order[0][column]', '0');
  body.append('order[0][dir]', 'asc');
  body.append('start', String(start));
  body.append('length', String(length));
  body.append('search[value]', '');
  body.append('search[regex]', 'false');
  body.append(table.csrfInputId, inputValue(html, table.csrfInputId));
  for (const [k, v] of table.extra) body.append(k, v);
  table.columns.forEach((c, i) => c.visible && body.append('visible_col[]', String(i)));
  // $(form_name).serialize(): '' when the page has no such form (cd_bios names
  // its table affich_bios but its form cd_bios).
  const form = forms(html).find((f) => f.name === table.formName || f.id === table.formName);
  body.append('ocs[]', form ? new URLSearchParams(formFields(form)).toString() : '');
  return body;
}

/** $('input#id').val(), or '' (jQuery.param's rendering of undefined) when absent. */
function inputValue(html: string, id: string): string {
  for (const m of html.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = attributes(m[1] ?? '');
    if (attrs.id === id) return attrs.value ?? '';
  }
  return '';
}
