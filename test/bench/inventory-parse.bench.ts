// Time to parse one lshw document: median and p95 per document over repeated
// runs, for the largest real server document in the shared fixtures, a
// 2-socket HP server in both formats, and this machine's. For XML, the old
// reader (fast-xml-parser 5.12.1's validator and parser with the options dploy
// used; its own tree walk, under 5 % of that, left out) and dploy's strict
// reader (readLshwXml) run side by side in the same process, interleaved, and
// readLshwInventory times the whole path (decode, reader, model mapping).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readLshwInventory } from '../../plugin/inventory/index.js';
import type { InventoryFormat } from '../../plugin/inventory/index.js';
import { readLshwXml } from '../../plugin/inventory/read-xml.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(root, '../shared/fixtures/lshw');
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

const documents: Array<{ label: string; file: string; format: InventoryFormat }> = [
  {
    label: 'Intel S2600CP 2x E5-2697 v2 (largest)',
    file: path.join(shared, 'beaker-project_lshw-tests__testdata_intel-canoe-pass_expected.xml'),
    format: 'xml',
  },
  { label: 'HP DL360p Gen8', file: path.join(shared, 'Manouchehri_dl360p__lshw.xml'), format: 'xml' },
  { label: 'HP DL360p Gen8', file: path.join(shared, 'Manouchehri_dl360p__lshw.json'), format: 'json' },
  { label: 'this machine (Firecracker VM)', file: path.join(root, 'test/fixtures/lshw/firecracker-vm.xml'), format: 'xml' },
];

const oldParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '$',
  processEntities: false,
  parseTagValue: false,
  jPath: false,
});

// Each function in its own block: interleaving them made fast-xml-parser's
// garbage get collected inside the new reader's timings (up to 2x slower).
function timeRuns(fn: () => unknown): { median: number; p95: number } {
  for (let i = 0; i < 20; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]! };
}

const cell = (t: { median: number; p95: number } | undefined) => (t ? `${t.median.toFixed(2)} / ${t.p95.toFixed(2)}` : '—').padStart(15);

console.log(`\ninventory parse: ${RUNS} runs per document and reader after 20 warm-up rounds; median / p95 in ms`);
console.log(`${'document'.padEnd(38)} format size KB  ${'old fxp XML'.padStart(15)} ${'readLshwXml'.padStart(15)}  speed-up ${'whole inventory'.padStart(15)}`);
for (const doc of documents) {
  if (!existsSync(doc.file)) {
    console.log(`${doc.label.padEnd(38)} NOT RUN: ${doc.file} is absent`);
    continue;
  }
  const body = readFileSync(doc.file);
  const text = body.toString('utf8');
  const whole = () => readLshwInventory(body, doc.format);
  const xml = doc.format === 'xml';
  const reader = xml ? timeRuns(() => readLshwXml(text)) : undefined;
  const inventory = timeRuns(whole);
  const old = xml ? timeRuns(() => XMLValidator.validate(text) === true && oldParser.parse(text)) : undefined;
  const ratio = old && reader ? `${(old.median / reader.median).toFixed(1)}x` : '';
  console.log(
    `${doc.label.padEnd(38)} ${doc.format.padEnd(6)} ${(body.length / 1024).toFixed(0).padStart(7)}  ${cell(old)} ${cell(reader)} ${ratio.padStart(9)} ${cell(inventory)}`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
