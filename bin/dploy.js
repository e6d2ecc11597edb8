#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` produced it, else the TypeScript
// sources through tsx (a checkout used without a build step).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/plugin/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../plugin/main.ts', import.meta.url).href);
}
