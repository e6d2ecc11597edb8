// What the stand-in mx commands share: their state (JSON files under the
// directory $MX_STANDIN_STATE names, standing in for SIM's repository), the
// DTD check every XML input goes through, and the XML they print.
//
// These are stand-ins for HP Systems Insight Manager's command line, which
// cannot run here (proprietary; 7.x needs Windows and SQL Server). They are
// written from HP's published documentation, not from dploy's code:
//   mxnode(1M), mxnode(4)   http://www.hp.com/wwsolutions/misc/hpsim-helpfiles/mxhelp/mxportal/en/man/
//   mxtool(1M), mxtool(4)   same place; HP SIM 6.3 CLI Guide p. 113; 7.2 Technical Reference Guide pp. 474-477
//   mxexec(1M)              SIM 5.0 Update 1 for Linux man pages; 6.0 / 7.2 CLI Guide "Target execution environment"
// Where the documents give no wording (error messages, mxexec's job header),
// the text is the stand-in's own and the comment beside it says so.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

const DTD_DIR = new URL('./dtd/', import.meta.url).pathname;

/** Ends the command as the stand-in's callers see a failed mx command: a message on stderr, a non-zero status. */
export function fail(command, message, status = 1) {
  process.stderr.write(`${command}: ${message}\n`);
  process.exit(status);
}

export function stateDir(command) {
  const dir = process.env.MX_STANDIN_STATE;
  if (!dir) fail(command, 'MX_STANDIN_STATE is not set (the stand-in keeps its repository there)', 2);
  mkdirSync(dir, { recursive: true });
  lock(command, dir);
  return dir;
}

/**
 * SIM's repository is a database: commands run at once each see the other's
 * writes. The stand-in gets the same from one lock directory (mkdir is atomic),
 * held from the command's first read to its exit.
 */
let held = null;
process.on('exit', () => {
  if (held) rmSync(held, { recursive: true, force: true });
});

export function lock(command, dir) {
  const path = join(dir, 'lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(path);
      held = path;
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (Date.now() > deadline) fail(command, `the repository stayed locked (${path})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** Gives the lock back early: mxexec's tool calls mx commands itself. */
export function unlock() {
  if (held) rmSync(held, { recursive: true, force: true });
  held = null;
}

export function load(dir, name, empty) {
  const file = join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : empty;
}

/** Written whole and renamed, so a command killed half-way leaves the previous state. */
export function save(dir, name, value) {
  const file = join(dir, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 1));
  renameSync(`${file}.tmp`, file);
}

/**
 * mxnode(4) and mxtool(4): a file given with -f must follow nodelist.dtd or
 * toollist.dtd. xmllint (libxml2-utils) checks it against the published DTD;
 * a file that does not validate is refused and nothing changes.
 */
export function validate(command, file, dtd) {
  if (!existsSync(file)) fail(command, `cannot read file ${file}`);
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--dtdvalid', join(DTD_DIR, dtd), file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    fail(command, `${file} is not a valid ${dtd} document:\n${String(err.stderr ?? err.message).trim()}`);
  }
  return readFileSync(file, 'utf8');
}

// Attribute values and texts come back decoded; nothing is ever expanded beyond XML's own escapes.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, processEntities: true, htmlEntities: false, trimValues: true });
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, format: true, suppressEmptyNode: true, processEntities: true });

/** The document as fast-xml-parser's ordered form: [{ tag: [children], ':@': { attr } }]. */
export function parseOrdered(text) {
  return parser.parse(text);
}

export function build(ordered) {
  return `${builder.build(ordered).trim()}\n`;
}

export const tagOf = (item) => Object.keys(item).find((k) => k !== ':@');
export const attrsOf = (item) => item[':@'] ?? {};
export const childrenOf = (item) => item[tagOf(item)] ?? [];
export const textOf = (item) => childrenOf(item).map((c) => (c['#text'] === undefined ? '' : String(c['#text']))).join('');

/** The children of the document's root element (the nodes of a node-list, the tools of a tool-list). */
export function rootItems(ordered, root) {
  const top = ordered.find((item) => tagOf(item) === root);
  return top ? childrenOf(top).filter((item) => tagOf(item) !== '#text') : [];
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
