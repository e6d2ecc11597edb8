// DPLOYCOMMAND leans on OCS's own rights (docs/ocs.md): adding a command line
// (a value of the select field) takes the values page and the ACCOUNTINFO
// right, choosing one for a computer takes CHANGE_ACCOUNTINFO. Read here from
// the profiles Debian's ocsinventory-reports ships, so an OCS that changed
// them fails this test rather than the claim in the docs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const PROFILES = '/usr/share/ocsinventory-reports/config/profiles';

function profile(name: string) {
  const xml = readFileSync(`${PROFILES}/${name}.xml`, 'utf8');
  const config = (key: string) => new RegExp(`<config-elem key="${key}">(YES|NO)</config-elem>`).exec(xml)?.[1];
  return { accountinfo: config('ACCOUNTINFO'), change: config('CHANGE_ACCOUNTINFO'), valuesPage: xml.includes('<page>ms_adminvalues</page>') };
}

test("only OCS's super administrators may add a command line; administrators may choose one; read-only users neither", () => {
  assert.deepEqual(profile('sadmin'), { accountinfo: 'YES', change: 'YES', valuesPage: true });
  assert.deepEqual(profile('admin'), { accountinfo: 'NO', change: 'YES', valuesPage: false });
  assert.deepEqual(profile('ladmin'), { accountinfo: 'NO', change: 'YES', valuesPage: false });
  assert.deepEqual(profile('read-only'), { accountinfo: 'NO', change: 'NO', valuesPage: false });
});
