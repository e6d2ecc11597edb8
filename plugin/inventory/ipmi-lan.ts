// `ipmitool lan print [channel]` → where the machine's BMC is on the network.
// The text is "Name<spaces>: value" lines (ipmitool's lib/ipmi_lanp.c); only
// "IP Address" and "MAC Address" matter here. A BMC whose LAN is not set up
// prints 0.0.0.0 and 00:00:00:00:00:00 (OpenIPMI's ipmi_sim does out of the
// box): that is no address, and nothing is learned from it.

import { isIPv4 } from 'node:net';

export interface BmcLan {
  address: string;
  mac?: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function parseIpmiLanPrint(text: string): BmcLan | undefined {
  const field = (name: string): string | undefined => {
    const line = text.split('\n').find((l) => l.slice(0, l.indexOf(':')).trim() === name);
    return line?.slice(line.indexOf(':') + 1).trim();
  };
  const address = field('IP Address');
  if (!address || !isIPv4(address) || address === '0.0.0.0') return undefined;
  const mac = field('MAC Address')?.toLowerCase();
  return { address, ...(mac && MAC.test(mac) && mac !== '00:00:00:00:00:00' ? { mac } : {}) };
}
