// Every GRUB config dploy renders goes through GRUB's own parser,
// grub-script-check (Debian grub-common), including configs built from host
// names chosen to break GRUB script syntax.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBootConfig } from '../../../plugin/boot/render.js';
import type { BootStateKind } from '../../../plugin/model/host.js';
import { grubScriptCheck } from './debian-tools.js';
import { BOOT_MAC, POLICY, requestFor, STATES, twoNicHost, UNKNOWN_MAC, variables } from './two-nic-host.js';

const HOSTILE_NAMES = ['web01;reboot', 'web01$(reboot)', 'web01${prefix}', 'web01{x}', 'web01|x&&y', 'web 01', 'web01#x', 'web01<x>'];

describe('rendered GRUB configs pass grub-script-check', () => {
  it('grub-script-check rejects a config with an unterminated quote', () => {
    const check = grubScriptCheck("menuentry 'x' {\n  linux /vmlinuz 'hostname=a\n}\n");
    assert.equal(check.ok, false);
  });

  const kinds = Object.keys(STATES) as BootStateKind[];
  for (const kind of kinds) {
    it(`the ${kind} config parses`, async () => {
      const text = await renderBootConfig(requestFor('grub', BOOT_MAC), twoNicHost(STATES[kind]), POLICY, variables());
      assert.ok(text);
      const check = grubScriptCheck(text);
      assert.ok(check.ok, check.output);
    });
  }

  it("an unknown machine's discover config parses", async () => {
    const text = await renderBootConfig(requestFor('grub', UNKNOWN_MAC), undefined, POLICY, variables());
    const check = grubScriptCheck(text ?? '');
    assert.ok(check.ok, check.output);
  });

  for (const name of HOSTILE_NAMES) {
    it(`an install config for a host named ${JSON.stringify(name)} parses and keeps the name in one quoted word`, async () => {
      const text = await renderBootConfig(requestFor('grub', BOOT_MAC), twoNicHost(STATES.install, { name }), POLICY, variables());
      assert.ok(text);
      const check = grubScriptCheck(text);
      assert.ok(check.ok, check.output);
      assert.ok(text.includes(` 'hostname=${name}' `), text);
    });
  }
});
