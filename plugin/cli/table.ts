// Plain-text tables for terminals (and lynx users' habits): columns padded to
// the widest cell, no colours, nothing a script has to strip. Every cell and
// field value goes through visibleValue (the last column through visibleText,
// which keeps its lines): it may come from a machine.

import { visibleText, visibleValue } from './terminal-text.js';

export function renderTable(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const last = headers.length - 1;
  // The last column may hold several lines (a command's output in an event): they stay lines, indented under it.
  const shown = (cell: string | number | null | undefined, i: number) =>
    cell === null || cell === undefined || cell === '' ? '-' : i === last ? visibleText(String(cell)).replace(/\n+$/, '') : visibleValue(String(cell));
  const cells = rows.map((row) => row.map(shown));
  const widths = headers.map((h, i) => (i === last ? 0 : Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0))));
  const indent = '\n' + ' '.repeat(widths.reduce((sum, w) => sum + w + 2, 0));
  const line = (row: string[]) => row.map((cell, i) => (i === last ? cell.replaceAll('\n', indent) : cell.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function renderFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return (
    fields.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v === null || v === undefined || v === '' ? '-' : visibleValue(String(v))}`).join('\n') + '\n'
  );
}
