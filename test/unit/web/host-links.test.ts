// Links from a host's console page: OCS's computer page by hardware.ID, only when both are known.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ocsComputerLink } from '../../../plugin/web/console/host-links.js';

test("OCS's computer page is ocsreports' own address for hardware.ID, with or without a trailing slash", () => {
  const url = 'index.php?function=computer&head=1&systemid=42';
  assert.equal(ocsComputerLink('https://ocs.example.org/ocsreports/', '42')?.url, `https://ocs.example.org/ocsreports/${url}`);
  assert.equal(ocsComputerLink('https://ocs.example.org/ocsreports', '42')?.url, `https://ocs.example.org/ocsreports/${url}`);
  assert.equal(ocsComputerLink('https://ocs.example.org/ocsreports/', '42')?.label, 'OCS computer page');
});

test('no link without a console URL, without a link to OCS, or with a ref that is not a hardware.ID', () => {
  assert.equal(ocsComputerLink('', '42'), undefined);
  assert.equal(ocsComputerLink(undefined, '42'), undefined);
  assert.equal(ocsComputerLink('https://ocs.example.org/ocsreports/', null), undefined);
  assert.equal(ocsComputerLink('https://ocs.example.org/ocsreports/', '42&function=logout'), undefined);
});
