import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BootConfigRequest } from '../../../plugin/boot/boot-request.js';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import { parseBootFileName } from '../../../plugin/boot/request-name.js';
import { eliloSearchOrder, grubSearchOrder, pxelinuxSearchOrder } from '../../../plugin/boot/loaders/index.js';
import type { Host } from '../../../plugin/model/host.js';
import { BOOT_MAC, HOST_IP, HOST_UUID, POLICY, STATES, twoNicHost, UNKNOWN_MAC, variables } from './two-nic-host.js';

const KNOWN = { mac: BOOT_MAC, uuid: HOST_UUID, ip: HOST_IP };
const UNKNOWN = { mac: UNKNOWN_MAC, uuid: '11111111-2222-3333-4444-555555555555', ip: '192.0.2.92' };

/** What the TFTP route will do: find the host by MAC or UUID, then render. */
async function answer(path: string, hosts: Host[]): Promise<string | undefined> {
  const request = parseBootFileName(path);
  assert.ok(request, `dploy should recognise ${path}`);
  const host = hosts.find((h) => (request.mac && h.macs.includes(request.mac)) || (request.uuid && h.uuid === request.uuid));
  return renderBootConfig(request, host, POLICY, variables());
}

function summary(request: BootConfigRequest | undefined): string {
  if (!request) return 'not a boot config';
  const who = request.uuid ?? request.mac ?? request.ip ?? request.ipHexPrefix ?? (request.isDefault ? 'default' : '?');
  return `${request.loader} ${who}${request.arch ? ` ${request.arch}` : ''} in '${request.directory}'`;
}

describe('pxelinux config names', () => {
  it('reads every name pxelinux asks, in its order', () => {
    const names = pxelinuxSearchOrder(KNOWN);
    assert.deepEqual(
      names.map((name) => summary(parseBootFileName(name))),
      [
        `pxelinux ${HOST_UUID} in ''`,
        `pxelinux ${BOOT_MAC} in ''`,
        "pxelinux 192.0.2.91 in ''",
        ...['C000025', 'C00002', 'C0000', 'C000', 'C00', 'C0', 'C'].map((hex) => `pxelinux ${hex} in ''`),
        "pxelinux default in ''",
      ],
    );
  });

  it('keeps the directory pxelinux.0 was loaded from (DHCP option 210 or the boot file path)', () => {
    assert.equal(summary(parseBootFileName('bios/pxelinux.cfg/01-52-54-00-ab-cd-ef')), `pxelinux ${BOOT_MAC} in 'bios'`);
    assert.equal(summary(parseBootFileName('efi64/pxelinux.cfg/default')), "pxelinux default in 'efi64'");
  });

  it('answers a known machine at its 01-MAC name only, not by UUID: only the MAC says which NIC booted', async () => {
    const hosts = [twoNicHost(STATES.discover)];
    const answers = await Promise.all(pxelinuxSearchOrder(KNOWN).map((name) => answer(name, hosts)));
    assert.deepEqual(
      answers.map((text) => text !== undefined),
      [false, true, false, false, false, false, false, false, false, false, false],
    );
    assert.match(answers[1] ?? '', /^# dploy discover on web01$/m);
  });

  it('answers a known machine without a UUID at its 01-MAC name, the first one it claims', async () => {
    const hosts = [twoNicHost(STATES.install, { uuid: undefined })];
    const names = pxelinuxSearchOrder({ ...KNOWN, uuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff' });
    const answers = await Promise.all(names.map((name) => answer(name, hosts)));
    const first = answers.findIndex((text) => text !== undefined);
    assert.equal(names[first], 'pxelinux.cfg/01-52-54-00-ab-cd-ef');
    assert.match(answers[first] ?? '', /^LABEL install$/m);
  });

  it('sends an unknown machine to discovery at its MAC name only', async () => {
    const answers = await Promise.all(pxelinuxSearchOrder(UNKNOWN).map((name) => answer(name, [twoNicHost()])));
    assert.deepEqual(
      answers.map((text) => text !== undefined),
      [false, true, false, false, false, false, false, false, false, false, false],
    );
    assert.match(answers[1] ?? '', /^# dploy discover on unknown-52-54-00-99-88-77$/m);
  });
});

describe('GRUB config names', () => {
  for (const prefix of ['/grub', '/boot/grub']) {
    it(`reads every name GRUB asks under ${prefix}, in its order`, () => {
      const names = grubSearchOrder(KNOWN, prefix);
      assert.equal(names[1], `${prefix}/grub.cfg-01-52-54-00-ab-cd-ef`);
      const dir = prefix.slice(1);
      assert.deepEqual(
        names.map((name) => summary(parseBootFileName(name))),
        [
          `grub ${HOST_UUID} in '${dir}'`,
          `grub ${BOOT_MAC} in '${dir}'`,
          `grub 192.0.2.91 in '${dir}'`,
          ...['C000025', 'C00002', 'C0000', 'C000', 'C00', 'C0', 'C'].map((hex) => `grub ${hex} in '${dir}'`),
          `grub default in '${dir}'`,
        ],
      );
    });
  }

  it("also reads the colon MAC form Foreman's grub.cfg loads ($net_default_mac)", () => {
    assert.equal(summary(parseBootFileName('/grub2/grub.cfg-52:54:00:AB:CD:EF')), `grub ${BOOT_MAC} in 'grub2'`);
  });

  it('answers a known machine and an unknown one at their MAC name, never by UUID', async () => {
    const known = await Promise.all(grubSearchOrder(KNOWN).map((name) => answer(name, [twoNicHost(STATES.rescue)])));
    assert.deepEqual(known.map((text) => text !== undefined).slice(0, 3), [false, true, false]);
    const unknown = await Promise.all(grubSearchOrder(UNKNOWN).map((name) => answer(name, [twoNicHost()])));
    assert.deepEqual(
      unknown.map((text) => text !== undefined),
      [false, true, ...Array(9).fill(false)],
    );
  });
});

describe('elilo config names', () => {
  it('reads every name elilo asks, in its order', () => {
    assert.deepEqual(
      eliloSearchOrder(KNOWN, 'ia64').map((name) => summary(parseBootFileName(name))),
      [
        "elilo 192.0.2.91 in ''",
        "elilo C00002 ia64 in ''",
        "elilo C00002 in ''",
        "elilo C000 ia64 in ''",
        "elilo C000 in ''",
        "elilo C0 ia64 in ''",
        "elilo C0 in ''",
        `elilo ${BOOT_MAC} in ''`,
        "elilo default ia64 in ''",
        "elilo default in ''",
      ],
    );
  });
});

describe('names that are not boot configs', () => {
  const names = [
    'pxelinux.0',
    'grubx64.efi',
    'grub/x86_64-efi/normal.mod',
    'mindi/vmlinuz',
    '../etc/passwd',
    'pxelinux.cfg/../../etc/shadow',
    'pxelinux.cfg/01-52-54-00-ab-cd',
    'pxelinux.cfg/c000025b',
    'pxelinux.cfg/B8945908-D6A6-41A9-611D-74A6AB80B83D',
    'pxelinux.cfg/06-52-54-00-ab-cd-ef',
    'pxelinux.cfg/C000025B0',
    'grub/grub.cfg-',
    'grub/grub.cfg-xyz',
    'grub.cfg.bak',
    'resolv.conf',
    'C00.conf',
    'C000025B-ia64.conf',
    '',
    'pxelinux.cfg/default\nDEFAULT evil',
  ];
  for (const name of names) {
    it(`leaves ${JSON.stringify(name)} to the next route`, () => assert.equal(parseBootFileName(name), undefined));
  }
});
