// A node:test reporter: the test files that took longest, printed when the run
// ends, so CI's 30-minute budget shows where it goes (.ci/run's log).
// Used beside the TAP reporter by `npm test`. Printed from the process's exit
// (written synchronously), after the TAP reporter's summary.

import { writeSync } from 'node:fs';

export default async function* fileTimes(source) {
  const seconds = new Map();
  process.once('exit', () => writeSync(1, report(seconds)));
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file) continue;
    const name = file.slice(file.indexOf('/test/') + 1);
    seconds.set(name, (seconds.get(name) ?? 0) + details.duration_ms / 1000);
  }
}

function report(seconds) {
  const ranked = [...seconds].sort((a, b) => b[1] - a[1]);
  const total = ranked.reduce((sum, [, s]) => sum + s, 0);
  const lines = [`# test time by file: ${total.toFixed(0)} s in ${ranked.length} files; the slowest:`];
  for (const [name, s] of ranked.slice(0, 25)) lines.push(`#   ${s.toFixed(1).padStart(7)} s  ${name}`);
  return `${lines.join('\n')}\n`;
}
