// Host names as the discovery groups see them. A group probes before the
// groups under way have committed, so the names their new machines take are
// claimed here until no group is under way. And machines booted from one
// image all post the same hostname ("mindi", "localhost"): once dploy_hosts
// was found to have it, it is remembered as taken for a while, so that the
// rest of the storm plans names from MACs at once instead of each group
// finding the name taken again (discovery-group.ts). The memory is short on
// purpose: a host forgotten meanwhile frees its name for the next minute's
// machines, not this storm's.

const TAKEN_FOR_MS = 60_000;
/** A bound on the memory of taken names (distinct hostnames of one storm are few). */
const TAKEN_MAX = 10_000;

export class HostNameClaims {
  private readonly claimed = new Set<string>();
  private readonly taken = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether `name` (a machine's own hostname, when it has a valid one) is claimed or known taken. */
  isTaken(name: string | undefined): boolean {
    if (name === undefined) return false;
    if (this.claimed.has(name)) return true;
    const until = this.taken.get(name);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.taken.delete(name);
    return false;
  }

  /** Claims `name` for a group under way; false when it already was. */
  claim(name: string): boolean {
    if (this.claimed.has(name)) return false;
    this.claimed.add(name);
    return true;
  }

  release(name: string): void {
    this.claimed.delete(name);
  }

  /** dploy_hosts has `name`. */
  foundTaken(name: string): void {
    if (this.taken.size >= TAKEN_MAX) this.taken.clear();
    this.taken.set(name, this.now() + TAKEN_FOR_MS);
  }

  /** No group is under way: what they claimed is committed or rolled back. */
  idle(): void {
    this.claimed.clear();
  }
}
