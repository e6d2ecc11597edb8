// Group commit: discoveries that arrive while a write is under way are
// written together by the next one, as a database's own group commit shares
// one log flush among transactions. A storm of machines then costs a few
// round trips per group instead of a few per machine; one machine alone is
// written at once, nobody waits for a timer (docs/discovery-writes.md). Two
// groups may be under way at once, one reading (its probe) while the other
// writes, so that the reads overlap the writes; a group starts only once the
// one before it has read, so the posts that arrive during a probe go
// together instead of the first of them taking the free place alone.
//
// Two items that may be the same machine (a shared MAC, UUID or serial)
// never share a group, nor two groups under way: the later one waits, so it
// sees the earlier one's rows as any later post would. A group that fails as
// a whole (a unique key raced by another dploy process, OCS's lock held) is
// rolled back whole; its items are then run one by one on the ordinary path,
// which knows how to retry or to name the conflict.

export interface GroupCommitOptions<I, R> {
  /** Most items in one group (one batch, one transaction). */
  maxItems: number;
  /** Most weight (bytes sent) in one group; an item heavier than that goes alone. */
  maxWeight: number;
  weight(item: I): number;
  /** Facts two items must not share to go in one group (e.g. "mac:52:54:…"). */
  keys(item: I): readonly string[];
  /**
   * Writes the group in one transaction: one outcome per item, or throws when
   * nothing was written. Calls `probed` once it has read what it needs, when
   * the next group may start reading.
   */
  runGroup(items: I[], probed: () => void): Promise<Array<R | Error>>;
  /** The ordinary one-item path, used after a group failed. */
  runAlone(item: I): Promise<R>;
  /** Called when no group is under way any more. */
  onIdle?(): void;
}

interface Waiting<I, R> {
  item: I;
  keys: readonly string[];
  resolve(result: R): void;
  reject(err: unknown): void;
}

const MAX_IN_FLIGHT = 2;

export function createGroupCommit<I, R>(options: GroupCommitOptions<I, R>): (item: I) => Promise<R> {
  const queue: Array<Waiting<I, R>> = [];
  /** Keys of the items in groups under way. */
  const busy = new Set<string>();
  let inFlight = 0;
  /** A group under way has not read yet: the next group waits for it, gathering what arrives meanwhile. */
  let reading = false;

  const nextGroup = (): Array<Waiting<I, R>> => {
    const group: Array<Waiting<I, R>> = [];
    const taken = new Set<string>();
    let weight = 0;
    for (let i = 0; i < queue.length && group.length < options.maxItems;) {
      const waiting = queue[i]!;
      const heavy = group.length > 0 && weight + options.weight(waiting.item) > options.maxWeight;
      if (heavy || waiting.keys.some((k) => taken.has(k) || busy.has(k))) {
        i++;
        continue;
      }
      for (const k of waiting.keys) taken.add(k);
      weight += options.weight(waiting.item);
      group.push(waiting);
      queue.splice(i, 1);
    }
    return group;
  };

  const write = async (group: Array<Waiting<I, R>>, probed: () => void): Promise<void> => {
    let outcomes: Array<R | Error>;
    try {
      outcomes = await options.runGroup(
        group.map((w) => w.item),
        probed,
      );
    } catch {
      probed();
      for (const w of group) await options.runAlone(w.item).then(w.resolve, w.reject);
      return;
    }
    group.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome);
    });
  };

  const start = (): void => {
    if (reading || inFlight >= MAX_IN_FLIGHT || queue.length === 0) return;
    const group = nextGroup();
    // Everything waiting shares a key with a group under way: its end starts the next.
    if (group.length === 0) return;
    const keys = group.flatMap((w) => w.keys);
    for (const k of keys) busy.add(k);
    inFlight++;
    reading = true;
    let hasRead = false;
    const probed = (): void => {
      if (hasRead) return;
      hasRead = true;
      reading = false;
      start();
    };
    void write(group, probed).finally(() => {
      for (const k of keys) busy.delete(k);
      inFlight--;
      probed();
      if (inFlight === 0) options.onIdle?.();
      start();
    });
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, keys: options.keys(item), resolve, reject });
      start();
    });
}
