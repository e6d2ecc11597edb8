import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpxeQuery } from '../../../plugin/boot/loaders/index.js';
import { chooseBootState, renderBootConfig } from '../../../plugin/boot/render.js';
import { loaderFor, renderForHost } from '../../../plugin/boot/render-for-host.js';
import { parseBootFileName } from '../../../plugin/boot/request-name.js';
import { BOOT_MAC, FIRST_MAC, HOST_UUID, POLICY, requestFor, STATES, twoNicHost, UNKNOWN_MAC, variables } from './two-nic-host.js';

describe('iPXE query', () => {
  it('reads mac, uuid, buildarch and platform as iPXE sends them', () => {
    const request = parseIpxeQuery(new URLSearchParams(`mac=52:54:00:AB:CD:EF&uuid=${HOST_UUID.toUpperCase()}&arch=arm64&platform=efi`));
    assert.deepEqual(request, { loader: 'ipxe', mac: BOOT_MAC, uuid: HOST_UUID, arch: 'aarch64', firmware: 'uefi', isDefault: false, directory: '' });
  });

  it('takes a DHCP option 93 number for arch', () => {
    assert.deepEqual(parseIpxeQuery({ mac: BOOT_MAC, arch: '0' }), {
      loader: 'ipxe',
      mac: BOOT_MAC,
      arch: 'x86_64',
      firmware: 'bios',
      isDefault: false,
      directory: '',
    });
  });

  it('drops values that do not parse instead of guessing', () => {
    assert.deepEqual(parseIpxeQuery({ mac: ['zz:zz', BOOT_MAC], uuid: 'not-a-uuid', arch: 'sparc', platform: 'bios' }), {
      loader: 'ipxe',
      isDefault: true,
      directory: '',
    });
  });
});

describe('boot state for known and unknown machines', () => {
  const unknown = requestFor('pxelinux', UNKNOWN_MAC);

  it('serves a known machine its own state, whatever the policy', () => {
    assert.deepEqual(chooseBootState(unknown, twoNicHost(STATES.restore), { ...POLICY, unknownHost: 'ignore' }), STATES.restore);
  });

  it('follows the policy for an unknown MAC: discover, localboot or silence', async () => {
    assert.deepEqual(chooseBootState(unknown, undefined, POLICY), { kind: 'discover' });
    assert.match((await renderBootConfig(unknown, undefined, { ...POLICY, unknownHost: 'localboot' }, variables())) ?? '', /^  LOCALBOOT 0$/m);
    assert.equal(await renderBootConfig(unknown, undefined, { ...POLICY, unknownHost: 'ignore' }, variables()), undefined);
  });

  it("boots the disk when the state's image provider has nothing to boot any more (a restore that reported installed)", async () => {
    const host = twoNicHost(STATES.restore);
    const past = { ...variables(), image: () => undefined };
    const entries = await Promise.all(
      (['pxelinux', 'ipxe'] as const).map(async (loader) => [
        await renderBootConfig(requestFor(loader, BOOT_MAC), host, POLICY, past),
        await renderBootConfig(requestFor(loader, BOOT_MAC), twoNicHost(STATES.localboot), POLICY, variables()),
      ]),
    );
    for (const [served, local] of entries) assert.equal(served, local);
    assert.match(entries[0]![0] ?? '', /^  LOCALBOOT 0$/m);
  });

  it('stays silent for default, subnet and unknown-UUID names', () => {
    for (const name of ['pxelinux.cfg/default', 'pxelinux.cfg/C000', 'pxelinux.cfg/C000025B', `pxelinux.cfg/${HOST_UUID}`, '/grub/grub.cfg']) {
      const request = parseBootFileName(name);
      assert.ok(request);
      assert.equal(chooseBootState(request, undefined, POLICY), undefined, name);
    }
  });
});

describe('renderForHost, behind `dploy render <host> boot`', () => {
  it('picks pxelinux for BIOS, GRUB for UEFI, elilo for IA-64, iPXE on request', () => {
    assert.equal(loaderFor({ firmware: 'bios', arch: 'x86_64' }), 'pxelinux');
    assert.equal(loaderFor({ firmware: 'uefi', arch: 'aarch64' }), 'grub');
    assert.equal(loaderFor({ firmware: 'uefi', arch: 'ia64' }), 'elilo');
    assert.equal(loaderFor({ firmware: 'uefi', arch: 'x86_64', loader: 'ipxe' }), 'ipxe');
  });

  it('renders the per-MAC GRUB file a UEFI machine would get, named as it asks', async () => {
    const rendered = await renderForHost(twoNicHost(STATES.discover), { firmware: 'uefi', arch: 'x86_64' }, POLICY, variables());
    assert.equal(rendered.path, `/grub/grub.cfg-01-${FIRST_MAC.replace(/:/g, '-')}`);
    assert.match(rendered.text ?? '', /'BOOTIF=01-52-54-00-12-34-56'/);
  });

  it('renders the arm64 ESP loader list for a UEFI arm64 local boot', async () => {
    const rendered = await renderForHost(twoNicHost(STATES.localboot, { arch: 'aarch64' }), { firmware: 'uefi', arch: 'aarch64' }, POLICY, variables());
    assert.match(rendered.text ?? '', /for loader in boot\/bootaa64\.efi debian\/shimaa64\.efi/);
  });

  it('renders the pxelinux file a BIOS machine would get', async () => {
    const rendered = await renderForHost(twoNicHost(STATES.install), { firmware: 'bios', arch: 'x86_64' }, POLICY, variables());
    assert.equal(rendered.path, 'pxelinux.cfg/01-52-54-00-12-34-56');
    assert.match(rendered.text ?? '', /^  IPAPPEND 2$/m);
  });

  it('refuses a host without a MAC address', async () => {
    await assert.rejects(renderForHost(twoNicHost(STATES.install, { macs: [] }), { firmware: 'bios', arch: 'x86_64' }, POLICY, variables()), {
      code: 'DPLOY_ERR_INVALID_INPUT',
    });
  });
});
