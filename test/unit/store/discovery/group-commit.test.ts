// The group-commit queue on its own: which items share a group, what waits,
// and what a failed group's items get. The writer here is a recording
// function with a gate per group, so each test decides when a group ends.

import assert from 'node:assert/strict';
import test from 'node:test';
import { createGroupCommit } from '../../../../plugin/store/discovery/group-commit.js';

interface Item {
  name: string;
  keys?: string[];
  bytes?: number;
  fails?: boolean;
}

function harness(
  options: { maxItems?: number; maxWeight?: number; groupFails?: (items: Item[]) => boolean; readGate?: boolean; readFails?: (items: Item[]) => boolean } = {},
) {
  const groups: string[][] = [];
  const alone: string[] = [];
  const gates: Array<() => void> = [];
  /** With readGate, each group also waits here before it has read (its probe). */
  const readGates: Array<() => void> = [];
  let idle = 0;
  const commit = createGroupCommit<Item, string>({
    maxItems: options.maxItems ?? 32,
    maxWeight: options.maxWeight ?? 1000,
    weight: (item) => item.bytes ?? 1,
    keys: (item) => item.keys ?? [],
    runGroup: async (items, probed) => {
      groups.push(items.map((i) => i.name));
      if (options.readGate) await new Promise<void>((resolve) => readGates.push(resolve));
      if (options.readFails?.(items)) throw new Error('probe failed');
      probed();
      await new Promise<void>((resolve) => gates.push(resolve));
      if (options.groupFails?.(items)) throw new Error('batch failed');
      return items.map((i) => (i.fails ? new Error(`${i.name} refused`) : `${i.name} written`));
    },
    runAlone: async (item) => {
      alone.push(item.name);
      if (item.fails) throw new Error(`${item.name} refused alone`);
      return `${item.name} written alone`;
    },
    onIdle: () => idle++,
  });
  // What the caller would see, an error as its message (settled at once: no rejection left unhandled while a test waits).
  const submit = (item: Item): Promise<string> => commit(item).catch((err: Error) => `error: ${err.message}`);
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Ends the oldest group still waiting. */
  const release = async () => {
    gates.shift()?.();
    await settle();
  };
  /** Lets the oldest group still reading finish its probe. */
  const read = async () => {
    readGates.shift()?.();
    await settle();
  };
  return { submit, groups, alone, release, read, settle, idle: () => idle };
}

test('a machine alone is written at once, in a group of its own', async () => {
  const h = harness();
  const result = h.submit({ name: 'a' });
  await h.settle();
  assert.deepEqual(h.groups, [['a']]);
  await h.release();
  assert.equal(await result, 'a written');
  assert.equal(h.idle(), 1);
});

test('posts that arrive while two groups are under way are written together by the next group', async () => {
  const h = harness();
  const results = [h.submit({ name: 'a' }), h.submit({ name: 'b' })];
  await h.settle();
  assert.deepEqual(h.groups, [['a'], ['b']], 'two groups under way at once');
  results.push(h.submit({ name: 'c' }), h.submit({ name: 'd' }), h.submit({ name: 'e' }));
  await h.settle();
  assert.equal(h.groups.length, 2, 'the third group waits for a place');
  await h.release();
  assert.deepEqual(h.groups, [['a'], ['b'], ['c', 'd', 'e']]);
  await h.release();
  await h.release();
  assert.deepEqual(await Promise.all(results), ['a written', 'b written', 'c written', 'd written', 'e written']);
  assert.equal(h.idle(), 1, 'idle once, after the last group');
});

test('two posts of the same machine never share a group nor run at once: the later one sees the earlier one committed', async () => {
  const h = harness();
  const first = h.submit({ name: 'first', keys: ['mac:52:54:00:00:00:01'] });
  const second = h.submit({ name: 'second', keys: ['uuid:x', 'mac:52:54:00:00:00:01'] });
  const other = h.submit({ name: 'other', keys: ['mac:52:54:00:00:00:02'] });
  await h.settle();
  assert.deepEqual(h.groups, [['first'], ['other']], 'the second post of the machine waits while the first is under way');
  await h.release();
  assert.deepEqual(h.groups, [['first'], ['other'], ['second']]);
  await h.release();
  await h.release();
  assert.deepEqual(await Promise.all([first, second, other]), ['first written', 'second written', 'other written']);
});

test('a group that fails whole is written again machine by machine, each with its own outcome', async () => {
  const h = harness({ groupFails: (items) => items.length > 1 });
  // Two groups under way, so the posts after them gather into one.
  const blockers = [h.submit({ name: 'b1' }), h.submit({ name: 'b2' })];
  await h.settle();
  const results = [h.submit({ name: 'x' }), h.submit({ name: 'y' }), h.submit({ name: 'bad', fails: true })];
  await h.settle();
  await h.release();
  assert.deepEqual(h.groups, [['b1'], ['b2'], ['x', 'y', 'bad']]);
  await h.release();
  await h.release();
  assert.deepEqual(await Promise.all(blockers), ['b1 written', 'b2 written']);
  assert.deepEqual(await Promise.all(results), ['x written alone', 'y written alone', 'error: bad refused alone']);
  assert.deepEqual(h.alone, ['x', 'y', 'bad']);
});

test('a machine the group refuses gets its error; the others of the group are written', async () => {
  const h = harness();
  const blockers = [h.submit({ name: 'b1' }), h.submit({ name: 'b2' })];
  await h.settle();
  const results = [h.submit({ name: 'a' }), h.submit({ name: 'b', fails: true }), h.submit({ name: 'c' })];
  await h.settle();
  await h.release();
  await h.release();
  await h.release();
  assert.deepEqual(h.groups, [['b1'], ['b2'], ['a', 'b', 'c']]);
  await Promise.all(blockers);
  assert.deepEqual(await Promise.all(results), ['a written', 'error: b refused', 'c written']);
  assert.deepEqual(h.alone, []);
});

test('groups stay under their item and byte limits; a document heavier than the byte limit goes alone', async () => {
  const h = harness({ maxItems: 3, maxWeight: 100 });
  const first = [h.submit({ name: 'a' }), h.submit({ name: 'b' })];
  await h.settle();
  const rest = ['c', 'd', 'e', 'f'].map((name) => h.submit({ name, bytes: 40 }));
  rest.push(h.submit({ name: 'huge', bytes: 500 }), h.submit({ name: 'g' }), h.submit({ name: 'h' }), h.submit({ name: 'i' }));
  await h.settle();
  await h.release();
  await h.release();
  await h.release();
  await h.release();
  await h.release();
  assert.deepEqual(h.groups, [['a'], ['b'], ['c', 'd', 'g'], ['e', 'f', 'h'], ['huge'], ['i']]);
  await h.release();
  assert.equal((await Promise.all([...first, ...rest])).length, 10);
});

test('posts that arrive while a group reads wait for it, then go together: a storm does not become groups of one', async () => {
  const h = harness({ readGate: true });
  const results = [h.submit({ name: 'a' })];
  await h.settle();
  results.push(h.submit({ name: 'b' }), h.submit({ name: 'c' }));
  await h.settle();
  assert.deepEqual(h.groups, [['a']], 'no second group starts while the first has not read');
  await h.read();
  assert.deepEqual(h.groups, [['a'], ['b', 'c']], 'once it has read, the posts that waited start one group');
  results.push(h.submit({ name: 'd' }));
  await h.settle();
  assert.deepEqual(h.groups.length, 2, 'a third group waits while the second reads');
  await h.read();
  assert.deepEqual(h.groups.length, 2, 'and while two groups are under way');
  await h.release();
  assert.deepEqual(h.groups, [['a'], ['b', 'c'], ['d']]);
  await h.read();
  await h.release();
  await h.release();
  assert.deepEqual(await Promise.all(results), ['a written', 'b written', 'c written', 'd written']);
  assert.equal(h.idle(), 1);
});

test('a group that fails before it has read lets the next group start', async () => {
  const h = harness({ readGate: true, readFails: (items) => items[0]!.name === 'a' });
  const first = h.submit({ name: 'a' });
  await h.settle();
  const second = h.submit({ name: 'b' });
  await h.settle();
  assert.deepEqual(h.groups, [['a']]);
  await h.read();
  assert.deepEqual(h.groups, [['a'], ['b']], "the failed group's place to read is free");
  assert.equal(await first, 'a written alone');
  await h.read();
  await h.release();
  assert.equal(await second, 'b written');
});
