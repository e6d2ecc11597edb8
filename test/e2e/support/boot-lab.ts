// The start every network-boot e2e test shares: a TFTP root of Debian's netboot
// files (with decoys), `dploy serve` inside the lab's namespace (debug: its
// TFTP transfers are logged), the install profile, each machine registered,
// discovered and set to install, and the DHCP files `dploy dhcp export` writes.
// The caller adjusts the boot snippet, then starts dnsmasq on it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DPLOY_BIN, cleanEnv } from '../../support/cli.js';
import { checkPrerequisites, layTftpRoot } from './boot-media.js';
import { DploySite, BASE_URL, HTTP_PORT, siteEnv } from './dploy-site.js';
import type { LabNetwork, LabProcess } from './lab-network.js';
import { waitForListeners } from './lab-services.js';

export interface BootLab {
  tftpRoot: string;
  site: DploySite;
  serve: LabProcess;
  /** Each machine's install job, in the order given. */
  jobIds: number[];
  dhcpFiles: { hosts: string; boot: string };
}

/** Everything goes under `work` (the caller removes it); `prepareRoot` adds files to the TFTP root before dploy serves it. */
export async function openBootLab(
  lab: LabNetwork,
  work: string,
  machines: ReadonlyArray<{ name: string; macs: [string, string] }>,
  prepareRoot: (root: string) => void = () => {},
  settings: Record<string, string> = {},
): Promise<BootLab> {
  checkPrerequisites();
  const tftpRoot = join(work, 'tftp');
  layTftpRoot(tftpRoot, `${BASE_URL}/answers/decoy-static-config-was-used`);
  prepareRoot(tftpRoot);
  const env = { ...siteEnv(tftpRoot), ...settings };
  const site = new DploySite(join(work, 'site'), env);
  mkdirSync(site.cwd);
  lab.create();
  const serve = lab.start('dploy', [process.execPath, DPLOY_BIN, 'serve'], join(work, 'dploy.log'), {
    env: { ...cleanEnv(), ...env, DPLOY_LOG_LEVEL: 'debug' },
    cwd: site.cwd,
  });
  await waitForListeners(
    lab,
    [
      ['tcp', HTTP_PORT],
      ['udp', 69],
    ],
    serve,
  );
  await site.addProfile();
  const jobIds: number[] = [];
  for (const { name, macs } of machines) {
    await site.registerAndDiscover(lab, name, macs);
    jobIds.push(await site.setInstall(name));
  }
  return { tftpRoot, site, serve, jobIds, dhcpFiles: await site.writeDhcpFiles(work) };
}
