// A verified power action (PXE once, rest, state read, rest, command, rest,
// re-reads) must end inside its job's lease, or another runner may take the
// job over and send the command again. Checked for the drivers whose pace the
// operator set: a short lease where none is set (a site without BMCs, a test
// of lease expiry) stays valid with the shipped pace.

import type { Config } from './schema.js';

const DRIVERS = ['ipmi', 'redfish', 'ribcl'] as const;

export function powerLeaseIssues(config: Config, given: Record<string, unknown>, origins: Map<string, string>, file: string | undefined): string[] {
  const power = given.power;
  const set = (driver: string) => typeof power === 'object' && power !== null && driver in power;
  return DRIVERS.filter(set).flatMap((driver) => {
    const p = config.power[driver];
    const lease = config.runner.leaseSeconds;
    const seconds = p.verifySeconds + (3 * p.restMs) / 1000;
    if (seconds < lease) return [];
    const key = `power.${driver}.verifySeconds`;
    const from = origins.get(key) ?? origins.get(`power.${driver}.restMs`) ?? file ?? 'defaults';
    return [
      `${key} (from ${from}): ${p.verifySeconds} s of re-reads plus three rests of ${p.restMs} ms (restMs) do not end inside runner.leaseSeconds (${lease} s); ` +
        'another runner could take the job over mid-action and send the command again: shorten them or raise runner.leaseSeconds',
    ];
  });
}
