// Every job kind's transition table, read as a graph, the way `dploy serve`
// builds them (every hook on, so the BMC and SSH variants are in, and without
// hooks): each arrow (a `run`'s declared `next`, an agent event's target) lands
// on a state of that kind or a terminal state; every state is reachable from
// `queued`, where every job starts; `done` is reachable; no state is a trap; a
// state that waits on the machine or an agent (no `run`: only an event or the
// clock moves it) has a timeout; and the runner refuses a move the table does
// not show.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobKinds, type JobKinds } from '../../../plugin/jobs/kinds/index.js';
import { withCheckedMoves, type JobKindSpec, type StepContext } from '../../../plugin/jobs/job-kind.js';
import { powerHook } from '../../../plugin/jobs/power-hook.js';
import { openSecretBox } from '../../../plugin/secret-box.js';
import { isTerminal, TERMINAL_STATES } from '../../../plugin/model/job.js';

const TIMEOUTS = { bootSeconds: 1200, installSeconds: 7200 };
/** The hooks `dploy serve` passes; none is called here (key files are opened on first use). */
const ALL_HOOKS = {
  installCheck: async () => undefined,
  remote: { secrets: () => openSecretBox('/nonexistent/dploy-secret.key'), deadlineSeconds: 600, capBytes: 16 * 1024, defaultConcurrency: 10 },
  power: powerHook('/nonexistent/dploy-secret.key'),
  images: { secrets: () => openSecretBox('/nonexistent/dploy-secret.key'), storeDir: '/nonexistent/images', filesystems: [], captureTimeoutSeconds: 3600 },
};
const VARIANTS: Array<[string, JobKinds]> = [
  ['with every hook', jobKinds(TIMEOUTS, ALL_HOOKS)],
  ['without hooks', jobKinds(TIMEOUTS)],
];

/** The table's arrows out of each state. */
function arrows(spec: JobKindSpec): Map<string, string[]> {
  return new Map(Object.entries(spec.states).map(([name, state]) => [name, [...(state.next ?? []), ...Object.values(state.on ?? {})]]));
}

function reachableFrom(spec: JobKindSpec, start: string): Set<string> {
  const out = arrows(spec);
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length > 0) {
    for (const to of out.get(todo.pop()!) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return seen;
}

test('the tables cover every kind dploy serve offers', () => {
  assert.deepEqual([...VARIANTS[0]![1].keys()].sort(), [
    'command',
    'discover',
    'forget',
    'image',
    'install',
    'localboot',
    'power-cycle',
    'power-off',
    'power-on',
    'power-status',
    'rebuild',
    'restore',
  ]);
});

for (const [variant, kinds] of VARIANTS) {
  describe(`job kinds ${variant}`, () => {
    for (const spec of kinds.values()) {
      describe(spec.kind, () => {
        const states = Object.keys(spec.states);

        test("starts in queued, and no terminal state is one of its table's states", () => {
          assert.ok(states.includes('queued'), `${spec.kind} has no queued state`);
          assert.deepEqual(states.filter(isTerminal), []);
        });

        test('every arrow lands on a state of the kind or a terminal state', () => {
          for (const [from, targets] of arrows(spec)) {
            for (const to of targets) assert.ok(states.includes(to) || isTerminal(to), `${spec.kind}: ${from} -> ${to}, which is no state of the kind`);
          }
        });

        test('every state has a way out: a run with its next states, or events to wait for', () => {
          for (const [name, state] of Object.entries(spec.states)) {
            if (state.run) assert.ok((state.next ?? []).length > 0, `${spec.kind}: ${name} runs but declares no next state`);
            else assert.ok(Object.keys(state.on ?? {}).length > 0, `${spec.kind}: ${name} has neither run nor events: a job there never moves`);
          }
        });

        test('every state is reachable from queued, and done is', () => {
          const reachable = reachableFrom(spec, 'queued');
          assert.deepEqual(
            states.filter((s) => !reachable.has(s)),
            [],
            'unreachable states',
          );
          assert.ok(reachable.has('done'), `${spec.kind} can never succeed`);
        });

        test('from every state a terminal state is reachable (no trap)', () => {
          for (const name of states) {
            const ends = [...reachableFrom(spec, name)].filter(isTerminal);
            assert.ok(ends.length > 0, `${spec.kind}: from ${name} no terminal state (${TERMINAL_STATES.join(', ')}) is reachable`);
          }
        });

        test('every state that waits on the machine or an agent has a timeout and says why it failed', () => {
          for (const [name, state] of Object.entries(spec.states).filter(([, s]) => !s.run)) {
            assert.ok((state.timeoutSeconds ?? 0) > 0, `${spec.kind}: ${name} waits without a timeout`);
            assert.ok(state.timeoutMessage, `${spec.kind}: ${name} times out without a message`);
          }
        });
      });
    }
  });
}

test('the runner refuses a move its table does not show', async () => {
  const spec = withCheckedMoves({
    kind: 'localboot',
    doneStatus: 'boots from local disk',
    states: { queued: { step: 1, status: 'switching', next: ['done'], run: async () => ({ to: 'booting', message: 'moved' }) } },
  });
  // The step reads nothing of its context: an empty one is enough to see where it leads.
  await assert.rejects(spec.states.queued!.run!({} as StepContext), /state queued moved to booting, which its table does not allow \(next: done\)/);
});
