// 100 BMCs power-cycled with verification through dploy's power layer
// (PowerControl: one command at a time per BMC, its rest between commands,
// state read first, verification by re-reading) and its Redfish driver, in
// waves of 20 (as `power.waveSize: 20` sets them) run back to back. Each simulated BMC
// takes 1–3 s (seeded, random per BMC) to come back on. Prints wall time
// against the ideal (the slowest transition × the waves), dploy's CPU per
// action, and fails if a BMC was ever sent two requests at once.
// Each policy is a dploy.yaml read by the real config loader (power.redfish.*),
// as an operator would write it. BENCH_BMC_POLICIES=fast,shipped (the default
// pair); ipmi-pace runs the Redfish rack at IPMI's careful pace.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../plugin/config/index.js';
import { PowerControl, policiesFromSettings, type BmcTarget } from '../../plugin/power/index.js';
import { createRedfishDriver } from '../../plugin/power/redfish/redfish-driver.js';

const BMCS = 100;
const WAVE = 20;
const SEED = 21;

/** mulberry32: a small seeded generator, so every run gets the same delays. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The operator's dploy.yaml for each policy: the shipped Redfish pace (no keys), one for BMCs that take
// commands quickly (what the layer itself costs once the rests are short), and IPMI's careful pace.
const POLICY_YAML: Record<string, string> = {
  shipped: '',
  fast: 'power:\n  redfish:\n    restMs: 250\n    verifyFirstMs: 250\n    verifyGrowth: 1\n    verifySeconds: 15\n',
  'ipmi-pace': 'power:\n  redfish:\n    restMs: 5000\n    verifyFirstMs: 2000\n    verifyGrowth: 2\n    verifySeconds: 30\n',
};

/** The policies PowerControl gets, through the same loader and conversion as `dploy serve`. */
function policiesFor(name: string) {
  const yaml = POLICY_YAML[name];
  if (yaml === undefined) throw new Error(`no policy "${name}" (${Object.keys(POLICY_YAML).join(', ')})`);
  const cwd = mkdtempSync(join(tmpdir(), 'dploy-bmc-storm-'));
  try {
    writeFileSync(join(cwd, 'dploy.yaml'), yaml);
    return policiesFromSettings(loadConfig({ cwd, env: {} }).config.power);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

interface Started {
  ports: number[];
  certSha256: string;
  user: string;
  password: string;
}
interface Report {
  overlaps: number[];
  resets: Array<Array<{ type: string; at: number }>>;
  power: string[];
}

const ask = <T>(child: ChildProcess, message?: string) =>
  new Promise<T>((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (message) child.send(message);
  });

const random = seeded(SEED);
const delays = Array.from({ length: BMCS }, () => Math.round(1000 + random() * 2000));
const child = fork(fileURLToPath(new URL('./bmc-rack.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BMC_RACK_DELAYS_MS: JSON.stringify(delays) },
});
let failed = false;
try {
  const rack = await ask<Started>(child);
  const bmcs: BmcTarget[] = rack.ports.map((port) => ({
    driver: 'redfish',
    address: '127.0.0.1',
    port,
    user: rack.user,
    password: rack.password,
    tls: { pinnedSha256: rack.certSha256 },
  }));
  // The overlap count can fail: two status reads sent at once to one BMC, around dploy's queue (two drivers, so
  // two connections), must show as one.
  await Promise.all([createRedfishDriver().status(bmcs[0]!, 6000), createRedfishDriver().status(bmcs[0]!, 6000)]);
  const baseline = (await ask<Report>(child, 'report')).overlaps.reduce((a, b) => a + b, 0);
  console.log(`self-check: two reads at once around the queue seen as ${baseline} overlap(s) (must be ≥ 1)`);
  if (baseline < 1) failed = true;
  const waves = Array.from({ length: BMCS / WAVE }, (_, k) => bmcs.slice(k * WAVE, (k + 1) * WAVE));
  const slowest = Math.max(...delays);
  const ideal = slowest * waves.length;
  const idealPerWave = waves.reduce((sum, _, k) => sum + Math.max(...delays.slice(k * WAVE, (k + 1) * WAVE)), 0);
  console.log(`${BMCS} BMCs, transitions ${Math.min(...delays)}–${slowest} ms (seed ${SEED}), ${waves.length} waves of ${WAVE} run back to back`);
  console.log(`ideal: slowest transition × waves = ${(ideal / 1000).toFixed(1)} s (each wave's own slowest, summed: ${(idealPerWave / 1000).toFixed(1)} s)`);
  for (const name of (process.env.BENCH_BMC_POLICIES ?? 'fast,shipped').split(',')) {
    const policies = policiesFor(name);
    const policy = policies.redfish!;
    const control = new PowerControl({ redfish: createRedfishDriver() }, policies);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const outcomes = [];
    for (const wave of waves) outcomes.push(...(await Promise.all(wave.map((bmc) => control.power(bmc, 'cycle')))));
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const wrong = outcomes.filter((o) => o.sent !== 'cycle' || o.state !== 'on').length;
    const ratio = wall / ideal;
    console.log(
      `policy ${name} (rest ${policy.minIntervalMs} ms, re-read after ${policy.verifyWaitsMs.slice(0, 4).join('/')}… ms): ` +
        `wall ${(wall / 1000).toFixed(1)} s = ${ratio.toFixed(2)}× the ideal (target 1.3×: ${ratio <= 1.3 ? 'met' : 'missed'}); ` +
        `dploy CPU ${(cpuMs / BMCS).toFixed(1)} ms per action (${(cpuMs / 1000).toFixed(2)} s for ${BMCS}); ${BMCS - wrong}/${BMCS} cycled and verified on`,
    );
    if (wrong > 0) failed = true;
  }
  const report = await ask<Report>(child, 'report');
  const overlaps = report.overlaps.reduce((a, b) => a + b, 0) - baseline;
  console.log(
    `BMC side: ${report.resets.flat().length} resets, ${report.power.filter((p) => p === 'On').length}/${BMCS} on at the end, ` +
      `requests overlapping another to the same BMC during the storms: ${overlaps}`,
  );
  if (overlaps > 0) failed = true;
} finally {
  child.send('stop');
}
if (failed) {
  console.error('bmc-storm: a BMC was sent two commands at once, or a cycle did not end on');
  process.exit(1);
}
