import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BootConfigRequest } from '../../../plugin/boot/boot-request.js';
import { LOADERS, type BootIdentity, type BootLoaderRules, type LoaderPlace } from '../../../plugin/boot/loaders/index.js';
import { parseBootFileName } from '../../../plugin/boot/request-name.js';

// Loops over the registry only: a loader added to loaders/index.ts is held to
// these rules without a line changed here.

const MACHINES: BootIdentity[] = [
  { mac: '52:54:00:ab:cd:ef', uuid: '9f0b2c34-1111-2222-3333-444455556666', ip: '192.0.2.91' },
  { mac: '00:1a:4b:00:00:01', ip: '10.0.0.1' },
  { mac: 'fe:ff:ff:ff:ff:fe', ip: '255.255.255.254' },
];

const PLACES: LoaderPlace[] = [
  { arch: 'x86_64' },
  { directory: 'efi64', grubPrefix: '/boot/grub', arch: 'ia64' },
  { directory: 'bios/x', grubPrefix: '/grub2', arch: 'i386' },
  { arch: 'aarch64' },
];

/** What dploy makes of a name the loader asks: the TFTP route's reader, or the loader's HTTP query reader. */
function readBack(rules: BootLoaderRules, path: string): BootConfigRequest | undefined {
  if (!rules.http) return parseBootFileName(path);
  const url = new URL(path, 'http://dploy.invalid');
  assert.equal(url.pathname, rules.http.path, `${rules.name} asks at its own URL`);
  return rules.http.read(url.searchParams);
}

describe('the boot loader registry', () => {
  for (const [key, rules] of Object.entries(LOADERS)) {
    it(`lists ${key} under its own name, asking over exactly one of TFTP and HTTP`, () => {
      assert.equal(rules.name, key);
      assert.equal(Number(!!rules.tftp) + Number(!!rules.http), 1);
    });

    it(`reads the name ${key} gives a machine by MAC back as that loader and that MAC`, () => {
      for (const who of MACHINES) {
        for (const place of PLACES) {
          const path = rules.pathFor(who.mac, place);
          const request = readBack(rules, path);
          assert.equal(request?.loader, key, path);
          assert.equal(request?.mac, who.mac, path);
          assert.equal(request?.isDefault, false, path);
        }
      }
    });

    it(`reads every name in ${key}'s search order as ${key}'s own, each carrying what it names`, () => {
      for (const who of MACHINES) {
        for (const place of PLACES) {
          const names = rules.searchOrder(who, place);
          assert.ok(names.length > 0);
          const requests = names.map((name) => readBack(rules, name));
          requests.forEach((request, i) => assert.equal(request?.loader, key, names[i]));
          assert.ok(
            requests.some((request) => request?.mac === who.mac),
            `${key} asks by MAC: ${names.join(' ')}`,
          );
          if (who.uuid) assert.ok(requests.every((request) => request?.uuid === undefined || request.uuid === who.uuid));
          assert.ok(requests.every((request) => request?.ip === undefined || request.ip === who.ip));
          if (rules.tftp) assert.equal(requests.at(-1)?.isDefault, true, `${key} ends on its default name`);
        }
      }
    });
  }
});
