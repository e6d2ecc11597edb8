// Plain-text tables for terminals (and lynx users' habits): columns padded to
// the widest cell, no colours, nothing a script has to strip. Every cell and
// field value goes through visibleValue: it may come from a machine.

import { visibleValue } from './terminal-text.js';

export function renderTable(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : visibleValue(String(cell)))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function renderFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return (
    fields.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v === null || v === undefined || v === '' ? '-' : visibleValue(String(v))}`).join('\n') + '\n'
  );
}
