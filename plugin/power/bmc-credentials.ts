// A stored BMC turned into a target the drivers can use, the password opened
// from its sealed form only here and only for the command about to run.

import type { SecretBox } from '../secret-box.js';
import type { StoredBmc } from '../store/host-bmcs.js';
import { formatBmcAddress, parseBmcAddress } from './bmc-address.js';
import type { BmcTarget } from './driver.js';

export function sealBmc(hostId: number, address: string, password: string, box: SecretBox): StoredBmc {
  const a = parseBmcAddress(address);
  return { hostId, driver: a.driver, address: a.address, port: a.port, user: a.user, passwordSealed: box.seal(password) };
}

export function openBmc(stored: StoredBmc, box: SecretBox): BmcTarget {
  return { driver: stored.driver, address: stored.address, port: stored.port, user: stored.user, password: box.open(stored.passwordSealed) };
}

/** What the console and CLI may show: the address, and that a password is set. */
export function describeBmc(stored: StoredBmc): string {
  return `${formatBmcAddress({ driver: stored.driver, user: stored.user, address: stored.address, port: stored.port })} (password set)`;
}
