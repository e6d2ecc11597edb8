// dploy's own reader for the XML subset lshw writes (plugin/inventory/lshw-xml-scanner.ts):
// each security and well-formedness property proved on mutations of real lshw
// documents, and a fixed-seed fuzz of truncations and byte flips.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import { readLshwInventory } from '../../../plugin/inventory/index.js';
import { readLshwXml } from '../../../plugin/inventory/read-xml.js';
import { projectLshwDir, sharedLshwDir, sharedSkip } from './lshw-documents.js';
import { qemuDocument } from './qemu-machines.js';

const xml = readFileSync(path.join(projectLshwDir, 'firecracker-vm.xml'), 'utf8');
const CPU_PRODUCT = '<product>Intel(R) Xeon(R) Processor @ 2.50GHz</product>';
const ROOT_DESCRIPTION = ' <description>Computer</description>\n';

function mutate(from: string, to: string, text = xml): string {
  assert.ok(text.includes(from), `the fixture no longer contains ${from}`);
  return text.replace(from, to);
}

function refuses(text: string, message: RegExp): string {
  let seen = '';
  assert.throws(
    () => readLshwXml(text),
    (err: unknown) => {
      assert.ok(isDployError(err, 'DPLOY_ERR_INVENTORY_INVALID'), `expected DPLOY_ERR_INVENTORY_INVALID, got ${String(err)}`);
      assert.match(err.message, message);
      seen = err.message;
      return true;
    },
  );
  return seen;
}

/** 1-based line of the first occurrence of `needle`, as an editor shows it. */
function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('the lshw XML reader', () => {
  it('decodes the predefined entities and character references, and nothing else', () => {
    const inventory = readLshwInventory(mutate(CPU_PRODUCT, '<product>Intel&#40;R&#x29; &amp; &lt;&apos;x&apos;&gt; &quot;q&quot; &bogus;</product>'), 'xml');
    assert.equal(inventory.cpus[0]?.model, `Intel(R) & <'x'> "q" &bogus;`);
  });

  it('refuses a DOCTYPE wherever it appears, not only before the root', () => {
    refuses(mutate(CPU_PRODUCT, `${CPU_PRODUCT}<!DOCTYPE x [<!ENTITY a "b">]>`), /<!DOCTYPE> declaration.*never writes/);
    refuses(mutate(CPU_PRODUCT, `${CPU_PRODUCT}<!ENTITY a SYSTEM "file:///etc/passwd">`), /<!ENTITY> declaration/);
  });

  it('refuses CDATA sections and processing instructions, which lshw never writes', () => {
    refuses(mutate(CPU_PRODUCT, '<product><![CDATA[Intel]]></product>'), /could not be read \(a CDATA section\)/);
    refuses(mutate(ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}<?php system('id') ?>\n`), /processing instruction/);
  });

  it('names the line and column of a mismatched end tag', () => {
    const text = mutate(CPU_PRODUCT, '<product>Intel</vendor>');
    const message = refuses(text, /not well-formed \(line \d+, column \d+: <\/vendor> where <\/product> was expected\)/);
    const line = lineOf(text, '<product>Intel</vendor>');
    const column = text.slice(0, text.indexOf('</vendor>')).length - text.lastIndexOf('\n', text.indexOf('</vendor>'));
    assert.match(message, new RegExp(`line ${line}, column ${column}:`));
  });

  it('refuses a document cut inside a tag, an attribute value, a comment or just before its last ">"', () => {
    refuses(xml.slice(0, xml.indexOf('<node id="cpu"') + 8), /not well-formed.*cut short/);
    refuses(xml.slice(0, xml.indexOf('class="processor"') + 10), /not well-formed.*cut short/);
    refuses(xml.slice(0, xml.indexOf('<!--') + 10), /not well-formed.*comment that is never closed/);
    refuses(xml.trimEnd().slice(0, -1), /not well-formed.*cut short/);
  });

  it('refuses a second root element and text outside the root', () => {
    const root = xml.slice(xml.indexOf('<node'));
    refuses(`${xml}${root}`, /not well-formed.*second root element/);
    refuses(`${xml}trailing words\n`, /not well-formed.*text outside the root element/);
  });

  it('refuses repeated and single-quoted attributes and a "<" inside an attribute value', () => {
    refuses(mutate('<node id="cpu"', '<node id="cpu" id="cpu2"'), /attribute id repeated/);
    refuses(mutate('<node id="cpu"', `<node id='cpu'`), /single quotes/);
    refuses(mutate('<node id="cpu"', '<node id="c<pu"'), /"<" inside attribute id/);
  });

  it('refuses a "<" in a later attribute value of a tag, found by the one search per tag', () => {
    refuses(mutate('<node id="cpu" claimed="true" class="processor"', '<node id="cpu" claimed="true" class="proc<essor"'), /"<" inside attribute class/);
  });

  it('decodes escapes in the attribute values it reads, when they are read', () => {
    const [root] = readLshwXml(mutate('<setting id="microcode" value="1" />', '<setting id="micro&amp;code" value="&quot;1&#x27;" />'));
    const settings: Array<[string, string]> = [];
    const visit = (node: NonNullable<typeof root>): void => {
      settings.push(...node.configuration);
      node.children.forEach(visit);
    };
    visit(root!);
    assert.deepEqual(
      settings.find(([id]) => id === 'micro&code'),
      ['micro&code', `"1'`],
    );
  });

  it("matches an end tag to its start tag letter for letter, whatever the name's length", () => {
    // Names are matched by a code of 6 letters per number (lshw-xml-names.ts): a late letter, a third number, and
    // names past the 18 coded letters (compared as strings) must all still count.
    refuses(mutate('</capabilities>', '</capabilitiez>'), /<\/capabilitiez> where <\/capabilities> was expected/);
    const long = 'abcdefghijklmnopqrstuvwxyz';
    assert.equal(readLshwXml(mutate(ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}<${long}>x</${long}>\n`))[0]?.class, 'system');
    refuses(mutate(ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}<${long}>x</${long.slice(0, -1)}y>\n`), /where <\/abcdefghijklmnopqrstuvwxyz> was expected/);
    refuses(mutate(ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}<${long}>x</${long.slice(0, 20)}>\n`), /where <\/abcdefghijklmnopqrstuvwxyz> was expected/);
  });

  it('refuses a document cut right after an element name, in a start or an end tag', () => {
    refuses(xml.slice(0, xml.indexOf('<node id="cpu"') + 5), /not well-formed.*cut short/);
    refuses(xml.slice(0, xml.indexOf('</product>') + 9), /not well-formed.*cut short/);
  });

  it('decodes the pieces of a text split by a comment one by one: an escape cannot span markup (XML 1.0 §4.1)', () => {
    const inventory = readLshwInventory(mutate(CPU_PRODUCT, '<product>Intel &am<!-- x -->p; &amp;<!-- y --> Xeon</product>'), 'xml');
    assert.equal(inventory.cpus[0]?.model, 'Intel &amp; & Xeon');
  });

  it('accepts nesting up to 100 elements deep and refuses the 101st level', () => {
    // The inserted elements sit inside the root <node> (depth 1).
    const nest = (levels: number) => mutate(ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}${'<node id="x" class="bus">'.repeat(levels)}${'</node>'.repeat(levels)}\n`);
    assert.equal(readLshwXml(nest(99))[0]?.class, 'system');
    refuses(nest(100), /could not be read \(Maximum nested tags exceeded\)/);
  });

  it('keeps ids named after Object.prototype members as plain data', () => {
    const [root] = readLshwXml(mutate('<node id="cpu"', '<node id="__proto__"'));
    const names: string[] = [];
    const visit = (node: NonNullable<typeof root>): void => {
      names.push(node.id);
      node.children.forEach(visit);
    };
    visit(root!);
    assert.ok(names.includes('__proto__'));
    assert.equal(Object.getPrototypeOf(root), Object.prototype);
  });
});

// Mulberry32: a small fixed-seed generator, so a failure replays exactly.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MARKUP = Buffer.from('<>/&"\'=!?-[] \n');

function damaged(original: Buffer, next: () => number): Buffer {
  if (next() < 0.3) return original.subarray(0, Math.floor(next() * original.length));
  const copy = Buffer.from(original);
  const flips = 1 + Math.floor(next() * 6);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(next() * copy.length);
    copy[at] = next() < 0.6 ? MARKUP[Math.floor(next() * MARKUP.length)]! : Math.floor(next() * 256);
  }
  return copy;
}

function fuzz(original: Buffer, seed: number, rounds: number): { parsed: number; refused: number } {
  const next = random(seed);
  const counts = { parsed: 0, refused: 0 };
  for (let round = 0; round < rounds; round++) {
    const body = damaged(original, next);
    const started = performance.now();
    try {
      readLshwInventory(body, 'xml');
      counts.parsed++;
    } catch (err) {
      assert.ok(isDployError(err), `round ${round} (seed ${seed}) threw ${String(err)} instead of a DployError`);
      counts.refused++;
    }
    assert.ok(performance.now() - started < 1000, `round ${round} (seed ${seed}) took over a second`);
  }
  return counts;
}

describe('fuzzing the XML reader with damaged real documents', () => {
  it("answers 2,000 truncations and byte flips of this machine's lshw with a parse or a DployError", () => {
    const counts = fuzz(Buffer.from(xml), 20261122, 2000);
    assert.ok(counts.parsed > 0 && counts.refused > 0, `both outcomes expected, got ${JSON.stringify(counts)}`);
  });

  it("does the same for 300 damaged copies of the qemu q35/OVMF machine's document", () => {
    const counts = fuzz(Buffer.from(qemuDocument('q35-ovmf', 'xml')), 7, 300);
    assert.ok(counts.refused > 0, JSON.stringify(counts));
  });

  it('does the same for 300 damaged copies of the HP DL360p document (shared fixtures)', { skip: sharedSkip }, () => {
    const counts = fuzz(readFileSync(path.join(sharedLshwDir, 'Manouchehri_dl360p__lshw.xml')), 7, 300);
    assert.ok(counts.refused > 0, JSON.stringify(counts));
  });
});
