import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKeyPaths, envName, loadConfig } from '../../../plugin/config/index.js';
import { isDployError } from '../../../plugin/errors.js';

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'dploy.yaml'), yaml);
  return dir;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isDployError(err, 'DPLOY_ERR_CONFIG'), `expected a config error, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the configuration to be refused');
}

test('with no file and no environment, dploy runs standalone on SQLite, HTTP 8080, TFTP 6969', () => {
  const { config, file } = loadConfig({ cwd: dirWith(), env: {} });
  assert.equal(file, undefined);
  assert.equal(config.platform, 'standalone');
  assert.equal(config.database.url, 'sqlite:./var/dploy.sqlite');
  assert.equal(config.http.address, '0.0.0.0');
  assert.equal(config.http.port, 8080);
  assert.equal(config.tftp.port, 6969);
});

test('./dploy.yaml is read and environment variables override single keys', () => {
  const cwd = dirWith('http:\n  port: 9090\ndatabase:\n  url: postgres://postgres@127.0.0.1/dploy\n');
  const { config, file } = loadConfig({ cwd, env: { DPLOY_HTTP_PORT: '9191', DPLOY_TFTP_ENABLED: 'false' } });
  assert.equal(file, join(cwd, 'dploy.yaml'));
  assert.equal(config.http.port, 9191);
  assert.equal(config.http.address, '0.0.0.0');
  assert.equal(config.tftp.enabled, false);
  assert.equal(config.database.url, 'postgres://postgres@127.0.0.1/dploy');
});

test('the loaded configuration is frozen', () => {
  const { config } = loadConfig({ cwd: dirWith(), env: {} });
  assert.throws(() => {
    (config.http as { port: number }).port = 1;
  }, TypeError);
});

test('an unknown key names the key and the file', () => {
  const cwd = dirWith('http:\n  prot: 80\n');
  const message = configError(() => loadConfig({ cwd, env: {} }));
  assert.match(message, /http\.prot: unknown key/);
  assert.ok(message.includes(join(cwd, 'dploy.yaml')));
});

test('a port that is not a number names the key, the file and what was expected', () => {
  const cwd = dirWith('http:\n  port: abc\n');
  const message = configError(() => loadConfig({ cwd, env: {} }));
  assert.match(message, /http\.port \(from .*dploy\.yaml\): expected number, got "abc"/);
});

test('a bad environment value names the variable', () => {
  const message = configError(() => loadConfig({ cwd: dirWith(), env: { DPLOY_TFTP_PORT: '70000' } }));
  assert.match(message, /tftp\.port \(from DPLOY_TFTP_PORT\): expected at most 65535/);
});

test('a mistyped DPLOY_ variable is refused instead of silently ignored', () => {
  const message = configError(() => loadConfig({ cwd: dirWith(), env: { DPLOY_HTTP_PROT: '80' } }));
  assert.match(message, /unknown environment variable DPLOY_HTTP_PROT/);
});

test('a platform outside the known ones lists the choices', () => {
  const message = configError(() => loadConfig({ cwd: dirWith('platform: glpi\n'), env: {} }));
  assert.match(message, /platform .*expected one of "standalone", "ocs", "sim"/);
});

test('a file that is not YAML is refused with its line', () => {
  const message = configError(() => loadConfig({ cwd: dirWith('http:\n  port: [80\n'), env: {} }));
  assert.match(message, /not valid YAML/);
});

test('--config pointing at a missing file is an error, not a silent default', () => {
  const message = configError(() => loadConfig({ cwd: dirWith(), env: {}, file: 'nope.yaml' }));
  assert.match(message, /nope\.yaml does not exist/);
});

test('docs/configuration.md documents every key and its environment variable', () => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  for (const path of configKeyPaths()) {
    assert.ok(doc.includes(`\`${path.join('.')}\``), `docs/configuration.md lacks ${path.join('.')}`);
    assert.ok(doc.includes(envName(path)), `docs/configuration.md lacks ${envName(path)}`);
  }
});

test('measured boot waves: a least size above the most is refused, naming both keys', () => {
  const message = configError(() => loadConfig({ cwd: dirWith(), env: { DPLOY_POWER_WAVE_MIN_SIZE: '30', DPLOY_POWER_WAVE_MAX_SIZE: '20' } }));
  assert.match(message, /power\.waveMinSize.*must not exceed power\.waveMaxSize \(20\)/);
  // Unset power.waveSize: measured; set, the operator's.
  assert.equal(loadConfig({ cwd: dirWith(), env: {} }).config.power.waveSize, undefined);
  assert.equal(loadConfig({ cwd: dirWith(), env: { DPLOY_POWER_WAVE_SIZE: '20' } }).config.power.waveSize, 20);
});
