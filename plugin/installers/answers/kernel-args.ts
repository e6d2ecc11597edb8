// The kernel arguments that make each installer fetch its answer file and
// bring up the NIC the machine booted from. BOOTIF=01-<mac> is added by the
// boot renderer (plugin/boot), which every installer here also reads:
// dracut/anaconda, d-i's netcfg, linuxrc and initramfs-tools (casper).
//  - anaconda (RHEL 8+, Fedora): ifname=<name>:<mac> for every NIC names
//    them by MAC during the install, and anaconda writes a systemd .link per
//    ifname= into the installed system; ip=<boot name>:dhcp (dracut.cmdline(7)).
//  - anaconda on RHEL 5: ksdevice=<mac> (the pre-dracut way).
//  - d-i: netcfg/choose_interface=auto uses BOOTIF's NIC (network preseeds
//    are fetched after netcfg, so the choice must be on the command line).
//  - linuxrc (AutoYaST): netdevice=<mac> with netsetup=dhcp.
//  - subiquity: ip=dhcp on BOOTIF's NIC, the NoCloud seed s=<url>/.

import type { CatalogEntry } from '../catalog/catalog-entry.js';
import type { PinnedNic } from './nic-naming.js';

export interface ArgInputs {
  answerUrl: string;
  sourceUrl: string;
  nics: PinnedNic[];
}

export function installKernelArgs(entry: CatalogEntry, x: ArgInputs): string[] {
  const boot = x.nics.find((n) => n.boot)!;
  switch (entry.answerKind) {
    case 'kickstart':
      if (entry.legacy) return [`ks=${x.answerUrl}`, `ksdevice=${boot.mac}`];
      return [`inst.ks=${x.answerUrl}`, `inst.repo=${x.sourceUrl}`, ...x.nics.map((n) => `ifname=${n.name}:${n.mac}`), `ip=${boot.name}:dhcp`];
    case 'preseed':
      return ['auto=true', 'priority=critical', `url=${x.answerUrl}`, 'netcfg/choose_interface=auto'];
    case 'autoyast':
      return [`install=${x.sourceUrl}`, `autoyast=${x.answerUrl}`, `netdevice=${boot.mac}`, 'netsetup=dhcp'];
    case 'autoinstall':
      return ['ip=dhcp', `url=${x.sourceUrl}`, 'autoinstall', `ds=nocloud;s=${x.answerUrl}/`];
  }
}
