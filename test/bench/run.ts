// `npm run bench`: runs every test/bench/*.bench.ts in turn, each in its own
// process (so peak RSS figures are its own), and stops at the first failure.
// `npm run bench -- tftp` runs only the benchmarks whose file name contains "tftp".

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches "${filter}"`);
  process.exit(2);
}
for (const file of files) {
  console.log(`\n=== ${file} (${new Date().toISOString()}) ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${file} failed with exit ${result.status}`);
    process.exit(1);
  }
}
