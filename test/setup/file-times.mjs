// A node:test reporter: the test files that took longest, printed when the run
// ends, so CI's 30-minute budget shows where it goes (.ci/run's log).
// Used beside the TAP reporter by `npm test`.

export default async function* fileTimes(source) {
  const seconds = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file) continue;
    const name = file.slice(file.indexOf('/test/') + 1);
    seconds.set(name, (seconds.get(name) ?? 0) + details.duration_ms / 1000);
  }
  const ranked = [...seconds].sort((a, b) => b[1] - a[1]);
  const total = ranked.reduce((sum, [, s]) => sum + s, 0);
  yield `# test time by file: ${total.toFixed(0)} s in ${ranked.length} files; the slowest:\n`;
  for (const [name, s] of ranked.slice(0, 25)) yield `#   ${s.toFixed(1).padStart(7)} s  ${name}\n`;
}
