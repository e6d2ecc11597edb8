// A stored BMC turned into a target the drivers can use, the password opened
// from its sealed form only here and only for the command about to run.

import type { SecretSealer } from '../store/remote-access.js';
import type { StoredBmc } from '../store/host-bmcs.js';
import type { StoredGroupBmc } from '../store/group-bmcs.js';
import { formatBmcAddress, formatBmcOptions, parseBmcAddress, parseBmcDefaults, parseBmcOptions } from './bmc-address.js';
import type { BmcTarget } from './driver.js';
import { checkRibclCredential } from './ribcl/ribcl-document.js';

export function sealBmc(hostId: number, address: string, password: string, box: SecretSealer): StoredBmc {
  const a = parseBmcAddress(address);
  // Refused when set, not at the first power command hours later.
  if (a.driver === 'ribcl') checkRibclCredential('password', password);
  const options = formatBmcOptions(a.options);
  return { hostId, driver: a.driver, address: a.address, port: a.port, user: a.user, passwordSealed: box.seal(password), ...(options ? { options } : {}) };
}

export function sealGroupBmc(groupId: number, given: Parameters<typeof parseBmcDefaults>[0], password: string, box: SecretSealer): StoredGroupBmc {
  const d = parseBmcDefaults(given);
  if (d.driver === 'ribcl') checkRibclCredential('password', password);
  const options = formatBmcOptions(d.options);
  return { groupId, driver: d.driver, user: d.user, passwordSealed: box.seal(password), ...(d.port ? { port: d.port } : {}), ...(options ? { options } : {}) };
}

/** A group's defaults as `groups show` may print them: never the password, only that it is set. */
export function describeGroupBmc(d: StoredGroupBmc): string {
  return `driver ${d.driver}, user ${d.user}${d.port ? `, port ${d.port}` : ''}${d.options ? `, options ${d.options}` : ''} (password set)`;
}

export function openBmc(stored: StoredBmc, box: SecretSealer): BmcTarget {
  const options = stored.options ? parseBmcOptions(stored.options, stored.driver) : {};
  const tls = { ...options, ...(stored.certSha256 ? { pinnedSha256: stored.certSha256 } : {}) };
  return {
    driver: stored.driver,
    address: stored.address,
    port: stored.port,
    user: stored.user,
    password: box.open(stored.passwordSealed),
    ...(Object.keys(tls).length ? { tls } : {}),
  };
}

/** What the console and CLI may show: the address, that a password is set, and the pinned certificate. */
export function describeBmc(stored: StoredBmc): string {
  const address = formatBmcAddress({
    driver: stored.driver,
    user: stored.user,
    address: stored.address,
    port: stored.port,
    ...(stored.options ? { options: parseBmcOptions(stored.options, stored.driver) } : {}),
  });
  return `${address} (password set${stored.certSha256 ? `; certificate pinned, SHA-256 ${stored.certSha256}` : ''})`;
}
