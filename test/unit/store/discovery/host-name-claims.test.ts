import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostNameClaims } from '../../../../plugin/store/discovery/host-name-claims.js';

test('a claimed name is taken until released or until no group is under way', () => {
  const names = new HostNameClaims();
  assert.equal(names.claim('web1'), true);
  assert.equal(names.claim('web1'), false, 'a second claim of the same name is refused');
  assert.equal(names.isTaken('web1'), true);
  names.release('web1');
  assert.equal(names.isTaken('web1'), false);
  names.claim('web2');
  names.idle();
  assert.equal(names.isTaken('web2'), false);
});

test('a name found in dploy_hosts stays taken for a minute, across idle, then is asked again', () => {
  let now = 1_000_000;
  const names = new HostNameClaims(() => now);
  names.foundTaken('mindi');
  names.idle();
  now += 59_000;
  assert.equal(names.isTaken('mindi'), true, 'the rest of the storm plans MAC names at once');
  now += 2_000;
  assert.equal(names.isTaken('mindi'), false, 'a host forgotten meanwhile frees the name for later machines');
  assert.equal(names.claim('mindi'), true);
});
