// M6 (issue 20): the shipped systemd unit contradicted docs/dhcp.md: its
// NoNewPrivileges blocked the documented `sudo` reload, and ProtectSystem=
// strict made the /etc paths the page told dploy to write read-only. The
// unit, the reload units and the page are read here as an operator would
// follow them, and must agree; systemd-analyze verify checks the units.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const file = (name: string) => new URL(`../../../docs/${name}`, import.meta.url);
const read = (name: string) => readFileSync(file(name), 'utf8');

/** A unit file's settings: key -> every value given (comments and sections dropped). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  return settings;
}

/** The paths docs/dhcp.md has dploy write: hostsFile values, the files servers include, the directories it names for dploy's files. */
function documentedDployPaths(page: string): string[] {
  const paths = [
    ...[...page.matchAll(/hostsFile: (\/\S+)/g)].map((m) => m[1]!),
    ...[...page.matchAll(/include "(\/[^"]+)"/g)].map((m) => m[1]!),
    ...[...page.matchAll(/(?:dhcp-hostsfile|conf-file)=(\/\S+)/g)].map((m) => m[1]!),
    ...[...page.matchAll(/`(\/etc\/(?:dhcp|kea)\/dploy)\/?`/g)].map((m) => `${m[1]!}/x`),
  ];
  return [...new Set(paths)];
}

const writable = (path: string, roots: string[]) => roots.some((root) => posix.relative(root, posix.dirname(path)).split('/')[0] !== '..');

test('every path docs/dhcp.md has dploy write is writable under the hardened unit, and no reload it documents needs sudo', () => {
  const unit = unitSettings(read('examples/dploy.service'));
  assert.deepEqual(unit.get('NoNewPrivileges'), ['true'], 'the hardening stays');
  assert.deepEqual(unit.get('ProtectSystem'), ['strict']);
  assert.deepEqual(unit.get('User'), ['dploy']);
  const roots = (unit.get('ReadWritePaths') ?? []).flatMap((v) => v.split(/\s+/)).map((p) => p.replace(/^-/, ''));
  const page = read('dhcp.md');
  const paths = documentedDployPaths(page);
  assert.ok(paths.includes('/etc/dhcp/dploy/isc-hosts.conf') && paths.includes('/var/lib/dploy/dhcp/kea-reservations.json'), paths.join(' '));
  for (const path of paths) assert.ok(writable(path, roots), `${path} (docs/dhcp.md) is read-only under ReadWritePaths=${roots.join(' ')}`);
  for (const name of ['dhcp.md', 'configuration.md']) {
    assert.doesNotMatch(
      read(name),
      /\bsudo"?,?\s+("?-\w+"?,?\s+)*"?\S*systemctl|NOPASSWD/,
      `${name} tells dploy to reload through sudo, which NoNewPrivileges forbids`,
    );
  }
});

test('the reload path unit watches a documented hosts file and runs a reload the page documents for its server', () => {
  const path = unitSettings(read('examples/dploy-dhcp-reload.path'));
  const service = unitSettings(read('examples/dploy-dhcp-reload.service'));
  const page = read('dhcp.md');
  const [watched] = path.get('PathChanged') ?? [];
  assert.ok(watched && documentedDployPaths(page).includes(watched), `PathChanged=${watched} is not a file docs/dhcp.md has dploy write`);
  assert.deepEqual(path.get('Unit'), ['dploy-dhcp-reload.service']);
  assert.equal(service.get('User'), undefined, 'the reload runs as root, not as dploy');
  const [start] = service.get('ExecStart') ?? [];
  const command = start!.replace(/^\/usr\/bin\//, '');
  assert.ok(page.includes(`\`${command}\``), `ExecStart=${start} is not a reload docs/dhcp.md documents`);
  const commented = read('examples/dploy-dhcp-reload.service').match(/^# ExecStart=\/usr\/bin\/(.+)$/gm) ?? [];
  for (const line of commented) assert.ok(page.includes(`\`${line.replace(/^# ExecStart=\/usr\/bin\//, '')}\``), line);
});

test('systemd-analyze verify accepts the three units', () => {
  const units = ['dploy.service', 'dploy-dhcp-reload.path', 'dploy-dhcp-reload.service'].map((name) => file(`examples/${name}`).pathname);
  const run = spawnSync('systemd-analyze', ['verify', ...units], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) assert.fail(`systemd-analyze: ${run.error.message} (apt-get install -y systemd)`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr.trim(), '', 'no warning');
});
