import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveBootOptions } from '../../../plugin/dhcp/boot-options.js';
import { CLIENT_ARCHES, codesFor } from '../../../plugin/dhcp/client-arch-loaders.js';
import { exportDhcp } from '../../../plugin/dhcp/index.js';
import { SITE_OPTIONS } from '../../fixtures/dhcp/site.js';

test('defaults follow the option 93 matrix: pxelinux, GRUB per EFI arch, elilo on Itanium', () => {
  const boot = resolveBootOptions(SITE_OPTIONS);
  const byCode = new Map(CLIENT_ARCHES.map((arch) => [arch.code, boot.loaders[arch.key]]));
  assert.deepEqual(Object.fromEntries(byCode), {
    0: 'pxelinux.0',
    2: 'elilo.efi',
    6: 'grubia32.efi',
    7: 'grubx64.efi',
    9: 'grubx64.efi',
    11: 'grubaa64.efi',
    16: 'http://192.0.2.1:8080/boot/files/grubx64.efi',
    19: 'http://192.0.2.1:8080/boot/files/grubaa64.efi',
  });
  assert.deepEqual(codesFor('efiX64'), [7, 9]);
});

test('iPXE gets the script URL with the MAC left for iPXE to expand', () => {
  assert.equal(
    resolveBootOptions({ ...SITE_OPTIONS, httpBaseUrl: 'http://192.0.2.1:8080//' }).ipxeScriptUrl,
    'http://192.0.2.1:8080/boot/ipxe?mac=${netX/mac}',
  );
});

test('a Secure Boot site swaps grubx64.efi for shimx64.efi with one setting', () => {
  const snippet = exportDhcp('dnsmasq', [], { ...SITE_OPTIONS, loaders: { efiX64: 'shimx64.efi' } }, 'boot');
  assert.match(snippet, /^dhcp-boot=tag:!dploy-ipxe,tag:dploy-efi-x64,shimx64\.efi,,192\.0\.2\.1$/m);
  assert.doesNotMatch(snippet, /,grubx64\.efi,/, 'no TFTP line may still hand out GRUB');
});

test('the proxy network is turned into the address and netmask dnsmasq wants', () => {
  assert.deepEqual(resolveBootOptions({ ...SITE_OPTIONS, proxyNetwork: '10.20.0.0/22' }).proxyNetwork, { address: '10.20.0.0', netmask: '255.255.252.0' });
  assert.throws(() => resolveBootOptions({ ...SITE_OPTIONS, proxyNetwork: '10.20.0.0/33' }), /CIDR/);
});

test('resolved options are frozen so no provider can change them for the next one', () => {
  const boot = resolveBootOptions(SITE_OPTIONS);
  assert.ok(Object.isFrozen(boot) && Object.isFrozen(boot.loaders) && Object.isFrozen(boot.dnsServers));
});
