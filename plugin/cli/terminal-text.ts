// Text from machines (hostnames, vendors, models, serials from inventories;
// messages built from them) reaches the operator's terminal through the CLI.
// Characters a terminal acts on instead of showing, or shows as nothing, are
// written as visible escapes (\u202e), never raw: terminal escapes (ESC and
// the other C0 controls, DEL, the C1 controls a terminal may take as CSI),
// bidirectional overrides and isolates that reorder what follows (U+202A-202E,
// U+2066-2069, U+200E/F, U+061C), zero-width and invisible characters that
// make two different strings look the same (U+200B-200D, U+2060-2064, U+FEFF,
// U+00AD, U+180E) and line separators.

const HIDDEN = /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
/** As HIDDEN, newline and tab excepted: a whole message or a page of output keeps its lines. */
const HIDDEN_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One value on one line (a table cell, a field): every hidden character escaped, newline and tab too. */
export function visibleValue(value: string): string {
  return value.replace(HIDDEN, escape);
}

/** Output of several lines: hidden characters escaped, newlines and tabs kept. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN_IN_TEXT, escape);
}

/**
 * JSON for a terminal: the same value for any JSON reader (a \u escape is the
 * character), with the hidden characters JSON.stringify leaves raw escaped.
 */
export function visibleJson(json: string): string {
  return json.replace(HIDDEN_IN_TEXT, escape);
}
