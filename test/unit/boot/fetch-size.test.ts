import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BootImage, BootVariables, NetbootState } from '../../../plugin/boot/boot-inputs.js';
import { bootFetchBytes, FetchSizes } from '../../../plugin/boot/fetch-size.js';
import type { BootState, Host } from '../../../plugin/model/host.js';

const host = (id: number, bootState: BootState): Host => ({ id, name: `h${id}`, macs: [], bootState, createdAt: new Date(0), updatedAt: new Date(0) });

/** A TFTP root with a kernel of 1,000 bytes and an initrd of 5,000, and the images each state boots. */
function scene(t: TestContext, images: Record<string, BootImage>) {
  const root = mkdtempSync(join(tmpdir(), 'dploy-fetch-size-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'd-i'));
  writeFileSync(join(root, 'd-i', 'linux'), Buffer.alloc(1000));
  writeFileSync(join(root, 'd-i', 'initrd.gz'), Buffer.alloc(5000));
  const asked: string[] = [];
  const variables: BootVariables = {
    httpBaseUrl: 'http://192.0.2.1:8080',
    image(state: NetbootState) {
      const key = state.kind === 'install' ? state.profile : state.kind;
      asked.push(key);
      const image = images[key];
      if (!image) throw new Error(`no image for ${key}`);
      return image;
    },
  };
  return { root, variables, asked };
}

const DI = { kernel: 'd-i/linux', initrds: ['d-i/initrd.gz'], args: [] };

test('an install fetches the kernel and initrds its entry names, sized from the TFTP root', async (t) => {
  const s = scene(t, { web: DI, db: { ...DI, initrds: ['d-i/initrd.gz', '/d-i/initrd.gz'] } });
  assert.equal(await bootFetchBytes(s.variables, s.root, host(1, { kind: 'install', profile: 'web' })), 6000);
  assert.equal(await bootFetchBytes(s.variables, s.root, host(1, { kind: 'install', profile: 'db' })), 11_000);
});

test('unknown, not guessed: localboot, a missing file, a path out of the root, a URL, an entry that cannot be built', async (t) => {
  const s = scene(t, {
    missing: { ...DI, initrds: ['d-i/initrd.xz'] },
    escape: { ...DI, kernel: '../../etc/passwd' },
    url: { ...DI, kernel: 'http://192.0.2.1:8080/mirror/linux' },
  });
  for (const state of [{ kind: 'localboot' }, ...['missing', 'escape', 'url'].map((profile) => ({ kind: 'install', profile }))] as BootState[])
    assert.equal(await bootFetchBytes(s.variables, s.root, host(1, state)), undefined, JSON.stringify(state));
  await assert.rejects(bootFetchBytes(s.variables, s.root, host(1, { kind: 'install', profile: 'none' })), /no image for none/);
});

test('a storm of one profile builds the entry once a minute, each profile its own', async (t) => {
  const s = scene(t, { web: DI, db: { ...DI, initrds: [] } });
  let now = 0;
  const sizes = new FetchSizes(s.variables, s.root, () => now);
  for (let id = 0; id < 50; id++) assert.equal(await sizes.of(host(id, { kind: 'install', profile: 'web', jobToken: `t${id}` })), 6000);
  assert.equal(await sizes.of(host(99, { kind: 'install', profile: 'db' })), 1000);
  assert.deepEqual(s.asked, ['web', 'db']);
  now = 60_000;
  await sizes.of(host(1, { kind: 'install', profile: 'web' }));
  assert.deepEqual(s.asked, ['web', 'db', 'web']);
});
