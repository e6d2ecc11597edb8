// How carefully dploy talks to one kind of BMC: the rest between two commands
// to it, and the re-reads that verify a power change. Set per driver by the
// operator (power.ipmi, power.redfish, power.ribcl; docs/configuration.md says
// why each default differs); this turns those settings into PowerControl's waits.

import type { PowerDriverName } from './driver.js';

export interface PowerPolicy {
  /** Bound on one driver call (ipmitool's -N/-R come from it). */
  callBudgetMs: number;
  /** Waits before each retry of a retryable error; its length is the number of retries. */
  retryWaitsMs: readonly number[];
  /** Waits before each re-read of the power state after an action (MAAS: 4, 8, 16, 32 s). */
  verifyWaitsMs: readonly number[];
  /** Rest between two commands to the same BMC (Ironic: >= 5 s on IPMI hardware). */
  minIntervalMs: number;
}

/** The careful policy (IPMI's), for a caller that names none. */
export const DEFAULT_POWER_POLICY: PowerPolicy = {
  callBudgetMs: 6000,
  retryWaitsMs: [2000, 4000, 8000],
  // 30 s in all: the whole action must end inside the job's lease (runner.leaseSeconds, 60 s by default).
  verifyWaitsMs: [2000, 4000, 8000, 16000],
  minIntervalMs: 5000,
};

/** A policy per driver; a driver without one gets DEFAULT_POWER_POLICY. */
export type PowerPolicies = Readonly<Partial<Record<PowerDriverName, PowerPolicy>>>;

/** One driver's settings as the configuration holds them (power.<driver>.*). */
export interface DriverPolicySettings {
  /** Rest between two commands to one BMC, re-reads included. */
  restMs: number;
  /** First re-read of the power state this long after the command. */
  verifyFirstMs: number;
  /** Each later wait is the previous one times this (1: steady, 2: doubling). */
  verifyGrowth: number;
  /** Re-reading stops after this long in all, and the action fails as not verified. */
  verifySeconds: number;
}

/** The waits before each re-read: first, first×growth … until verifySeconds are spent (the last one cut to fit). */
export function verifyWaits(s: DriverPolicySettings): number[] {
  const budget = s.verifySeconds * 1000;
  const waits: number[] = [];
  let spent = 0;
  for (let next = s.verifyFirstMs; spent < budget; next *= s.verifyGrowth) {
    const wait = Math.min(Math.round(next), budget - spent);
    waits.push(wait);
    spent += wait;
  }
  return waits;
}

export function policiesFromSettings(byDriver: Readonly<Record<PowerDriverName, DriverPolicySettings>>): PowerPolicies {
  const policy = (s: DriverPolicySettings): PowerPolicy => ({ ...DEFAULT_POWER_POLICY, minIntervalMs: s.restMs, verifyWaitsMs: verifyWaits(s) });
  return { ipmi: policy(byDriver.ipmi), redfish: policy(byDriver.redfish), ribcl: policy(byDriver.ribcl) };
}
