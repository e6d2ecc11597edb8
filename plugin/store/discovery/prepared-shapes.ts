// Which discovery batches go as server-side prepared statements. A batch's
// SQL text is its shape: which statements, how many rows per table, the
// values all placeholders. A storm of one hardware model repeats a handful
// of shapes (one per group size), and a prepared one is parsed once per
// connection instead of on every post; its values go in the binary protocol
// (the gzip document as bytes, not as hex to lex). Why, and what it saves:
// docs/discovery-writes.md (prepared batches).
//
// A shape is prepared from its second sighting on, as pgjdbc's
// prepareThreshold does: a shape seen once (mixed hardware, an odd group
// size) would pay a prepare round trip for nothing. And only small texts:
// MariaDB keeps a prepared compound statement's parse in memory,
// ~80 KiB + 140 bytes per character of text (342 KiB for one machine's
// batch, 7.9 MiB for 32 machines'); a text of at most PREPARE_MAX_SQL_CHARS
// keeps each under ~1.2 MiB, and mysql2's per-connection cache
// (maxPreparedStatements, store/database.ts) bounds how many.

/** Batch texts up to this length may be prepared (a group of 7 machines like the benchmark's VM, 2 or 3 large servers). */
export const PREPARE_MAX_SQL_CHARS = 8 * 1024;
/** How many shapes the sightings remember (least recently seen forgotten first). */
const REMEMBERED_SHAPES = 256;

export class PreparedShapes {
  /** Shape -> sightings, in order of last sighting. */
  private readonly seen = new Map<string, number>();
  private disabled = false;

  constructor(private readonly threshold = 2) {}

  /** Counts a sighting of `sql`; true when it should go prepared. */
  worthPreparing(sql: string): boolean {
    if (this.disabled || sql.length > PREPARE_MAX_SQL_CHARS) return false;
    const sightings = (this.seen.get(sql) ?? 0) + 1;
    this.seen.delete(sql);
    this.seen.set(sql, sightings);
    if (this.seen.size > REMEMBERED_SHAPES) this.seen.delete(this.seen.keys().next().value!);
    return sightings >= this.threshold;
  }

  /** The server refused to prepare (it cannot, or its statement limit is reached): plain queries from now on. */
  disable(): void {
    this.disabled = true;
    this.seen.clear();
  }
}
