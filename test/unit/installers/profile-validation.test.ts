// Profile validation as an operator meets it: every problem in one answer,
// YAML's number-typed releases, and the hash policy per release.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { validateProfile } from '../../../plugin/installers/index.js';

// A real glibc SHA-512 hash (of "dploy-test") and a well-formed yescrypt one.
const SHA512 = '$6$8ZUWv9hHRpZwh0qF$H86d/d7jHknXcnKzTWK.dmd9/UXV4j3JeXHBHw1zfzACFSF4rUZVq4pq5Ad4fyP0FJCGdqMx/33ITrJRI9NoV1';
const YESCRYPT = '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7';

function refusal(input: unknown): string {
  try {
    validateProfile(input);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('the profile was accepted');
}

test('a wrong release is reported together with the other bad fields, not after they are fixed', () => {
  const message = refusal({ name: 'x', distro: 'rocky', release: '7', timezone: 'Paris!', rootPasswordHash: '$1$abc$def' });
  assert.match(message, /timezone: a tz name/);
  assert.match(message, /distro\/release\/arch: no catalog entry for rocky 7 x86_64; known: rocky 8/);
  assert.match(message, /rootPasswordHash: an MD5 \(\$1\$\) hash is broken/);
});

test('YAML\'s release: 9 is release "9"; release: 15.60 would have lost a digit and must be quoted', () => {
  const nine = validateProfile(parseYaml('name: db\ndistro: rocky\nrelease: 9\n'));
  assert.equal(nine.profile.release, '9');
  assert.match(refusal(parseYaml('name: leap\ndistro: opensuse-leap\nrelease: 15.6\n')), /release: write the release in quotes/);
  assert.equal(validateProfile(parseYaml('name: leap\ndistro: opensuse-leap\nrelease: "15.6"\n')).profile.release, '15.6');
});

test('an unknown field is refused by name (a typo never drops a setting silently)', () => {
  assert.match(refusal({ name: 'x', distro: 'debian', release: '12', timezon: 'Europe/Paris' }), /timezon/);
});

test("hash policy: SHA-512 taken, SHA-256 taken with a warning, yescrypt refused where the release's libc cannot verify it", () => {
  assert.deepEqual(validateProfile({ name: 'x', distro: 'rocky', release: '8', rootPasswordHash: SHA512 }).warnings, []);
  const sha256 = '$5$saltsalt$' + 'A'.repeat(43);
  assert.match(
    validateProfile({ name: 'x', distro: 'debian', release: '12', rootPasswordHash: sha256 }).warnings.join('\n'),
    /SHA-256 \(\$5\$\) hash is weaker/,
  );
  assert.equal(validateProfile({ name: 'x', distro: 'rocky', release: '9', rootPasswordHash: YESCRYPT }).profile.rootPasswordHash, YESCRYPT);
  assert.match(
    refusal({ name: 'x', distro: 'rocky', release: '8', rootPasswordHash: YESCRYPT }),
    /rocky 8 cannot verify a yescrypt \(\$y\$\) hash; use SHA-512/,
  );
  assert.match(
    refusal({ name: 'x', distro: 'debian', release: '12', users: [{ name: 'ops', passwordHash: 'secret' }] }),
    /users\.0\.passwordHash: not a crypt\(3\) hash/,
  );
});
