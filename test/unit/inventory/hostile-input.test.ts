// Hostile and broken uploads, each made by mutating a real lshw document
// (this machine's, always present) the way an attacker or a broken agent would.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isDployError } from '../../../plugin/errors.js';
import type { ErrorCode } from '../../../plugin/errors.js';
import { MAX_DOCUMENT_BYTES, parseInventory } from '../../../plugin/inventory/index.js';
import { projectLshwDir, sharedLshwDir, sharedSkip } from './lshw-documents.js';
import { qemuDocument } from './qemu-machines.js';

const xml = readFileSync(path.join(projectLshwDir, 'firecracker-vm.xml'), 'utf8');
const json = readFileSync(path.join(projectLshwDir, 'firecracker-vm.json'), 'utf8');
const CPU_PRODUCT = '<product>Intel(R) Xeon(R) Processor @ 2.50GHz</product>';
const ROOT_DESCRIPTION = ' <description>Computer</description>\n';

function rejects(body: Buffer | string, format: 'xml' | 'json', message: RegExp, code: ErrorCode = 'DPLOY_ERR_INVENTORY_INVALID'): void {
  assert.throws(
    () => parseInventory(body, format),
    (err: unknown) => {
      assert.ok(isDployError(err, code), `expected ${code}, got ${String(err)}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the fixture no longer contains ${from}`);
  return text.replace(from, to);
}

describe('hostile XML', () => {
  it('parses the unmodified document the mutations start from', () => {
    assert.equal(parseInventory(xml, 'xml').nics[0]?.mac, '02:fc:00:00:00:01');
  });

  it('refuses a document cut in the middle as not well-formed', () => {
    rejects(xml.slice(0, Math.floor(xml.length / 2)), 'xml', /not well-formed.*lshw -xml/);
  });

  it('refuses an entity-expansion bomb in a DOCTYPE before expanding anything', () => {
    const lol = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');
    const bomb = replaceOnce(replaceOnce(xml, '?>\n', `?>\n<!DOCTYPE node [${lol}]>\n`), CPU_PRODUCT, '<product>&lol9;</product>');
    const started = process.hrtime.bigint();
    rejects(bomb, 'xml', /DOCTYPE.*never writes/);
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 200, 'rejection must not expand the entities');
  });

  it('refuses an external entity that would read /etc/passwd', () => {
    const xxe = replaceOnce(
      replaceOnce(xml, '?>\n', '?>\n<!DOCTYPE node [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'),
      CPU_PRODUCT,
      '<product>&xxe;</product>',
    );
    rejects(xxe, 'xml', /DOCTYPE/);
  });

  it('keeps an undeclared entity reference as literal text and never resolves it', () => {
    const inventory = parseInventory(replaceOnce(xml, CPU_PRODUCT, '<product>&xxe;</product>'), 'xml');
    assert.equal(inventory.cpus[0]?.model, '&xxe;');
  });

  it('refuses bytes that are not UTF-8', () => {
    const at = xml.indexOf('Computer');
    const body = Buffer.concat([Buffer.from(xml.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(xml.slice(at))]);
    rejects(body, 'xml', /not valid UTF-8/);
  });

  it('refuses a machine with no NIC MAC and says how to get one', () => {
    rejects(replaceOnce(xml, '<serial>02:fc:00:00:00:01</serial>', ''), 'xml', /no physical network interface.*-sanitize/);
  });

  it('caps 10 KB strings at 255 characters instead of failing', () => {
    const huge = 'A'.repeat(10 * 1024);
    const body = replaceOnce(replaceOnce(xml, CPU_PRODUCT, `<product>${huge}</product>`), '<node id="vm"', `<node id="${huge}"`);
    const inventory = parseInventory(body, 'xml');
    assert.equal(inventory.cpus[0]?.model, 'A'.repeat(255));
    assert.equal(inventory.hostname?.length, 255);
  });

  it('keeps SQL metacharacters verbatim as data', () => {
    const sql = `Robert'); DROP TABLE dploy_hosts;-- " OR 1=1 \\ %`;
    const escaped = sql.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    const inventory = parseInventory(
      replaceOnce(xml, ROOT_DESCRIPTION, `${ROOT_DESCRIPTION} <vendor>${escaped}</vendor>\n <serial>${escaped}</serial>\n`),
      'xml',
    );
    assert.equal(inventory.system.vendor, sql);
    assert.equal(inventory.system.serial, sql);
  });

  it('treats an id="__proto__" setting as data and pollutes no prototype', () => {
    const body = replaceOnce(
      xml,
      '<configuration>',
      '<configuration>\n      <setting id="__proto__" value="polluted" />\n      <setting id="constructor" value="x" />',
    );
    const inventory = parseInventory(body, 'xml');
    assert.equal(inventory.cpus.length, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses an element named __proto__ with an operator message', () => {
    rejects(replaceOnce(xml, ROOT_DESCRIPTION, `${ROOT_DESCRIPTION} <__proto__><polluted>1</polluted></__proto__>\n`), 'xml', /could not be read/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses nesting deeper than the parser default of 100 levels', () => {
    const deep = replaceOnce(xml, ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}${'<node id="x" class="bus">'.repeat(150)}${'</node>'.repeat(150)}\n`);
    rejects(deep, 'xml', /could not be read \(Maximum nested tags exceeded\)/);
  });

  it('refuses a body larger than an lshw document can be', () => {
    const padded = replaceOnce(xml, ROOT_DESCRIPTION, `${ROOT_DESCRIPTION}<!-- ${' '.repeat(MAX_DOCUMENT_BYTES)} -->\n`);
    rejects(padded, 'xml', /more than/, 'DPLOY_ERR_INVENTORY_TOO_LARGE');
  });

  it('names the right content type when XML is sent as JSON and the reverse', () => {
    rejects(xml, 'json', /sent as JSON but is XML/);
    rejects(json, 'xml', /sent as XML but is JSON/);
  });

  it('refuses an empty body', () => {
    rejects(Buffer.alloc(0), 'xml', /empty/);
  });
});

describe('hostile JSON', () => {
  it('ignores "__proto__" keys at every level and pollutes nothing', () => {
    const body = replaceOnce(
      json,
      '"class" : "system",',
      '"class" : "system", "__proto__" : { "polluted" : true }, "configuration" : { "__proto__" : "x", "uuid" : "not-a-uuid" },',
    );
    const inventory = parseInventory(body, 'json');
    assert.equal(inventory.system.uuid, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses JSON that is cut short', () => {
    rejects(json.slice(0, json.length - 40), 'json', /not valid JSON/);
  });

  it('refuses devices nested deeper than lshw ever nests them', () => {
    const root = JSON.parse(json) as Record<string, unknown>;
    let deep: Record<string, unknown> = root;
    for (let i = 0; i < 80; i++) deep = { id: 'bus', class: 'bus', children: [deep] };
    rejects(JSON.stringify({ ...root, children: [deep] }), 'json', /more than 64 levels/);
  });

  it('refuses a `lshw -class network` listing, which has no system node', () => {
    const root = JSON.parse(json) as { children: Array<{ children: unknown[] }> };
    const network = JSON.stringify(root).match(/\{"id":"virtio2".*?\}\}/)?.[0];
    assert.ok(network, 'the fixture has a virtio2 network node');
    rejects(`[${network}]`, 'json', /no "system" node.*-class/);
    assert.ok(root.children.length > 0);
  });
});

describe('documents that are not lshw', () => {
  it("refuses `lshw -short` text posted as JSON with what to run instead: a qemu machine's", () => {
    rejects(qemuDocument('q35-ovmf', 'short'), 'json', /"lshw -short" text.*lshw -xml/);
  });

  it('refuses the mislabeled `lshw -short` text found in the wild (shared fixtures)', { skip: sharedSkip }, () => {
    const short = readFileSync(path.join(sharedLshwDir, 'hydropero_Bash_Integrity_Script__lshw_7ab8bac_short-format-mislabeled.json'));
    rejects(short, 'json', /"lshw -short" text.*lshw -xml/);
  });

  it('refuses real OCS agent inventories as not lshw output (shared fixtures)', { skip: sharedSkip }, () => {
    const dir = path.resolve(sharedLshwDir, '../ocs-agent');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.xml'))) {
      rejects(readFileSync(path.join(dir, name)), 'xml', /not lshw output/);
    }
  });
});
