// A command's output kept within a size cap: the head (what it started
// doing) and the tail (how it ended, the error) are what an operator reads;
// the middle is dropped and counted, so the job log says how much is missing.

export interface CappedOutput {
  text: string;
  totalBytes: number;
  droppedBytes: number;
}

export class OutputCap {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly capBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.capBytes / 2);
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const keep = this.capBytes - half;
    // Trim whole chunks from the front while the rest still covers the tail.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= keep) this.tailBytes -= this.tail.shift()!.length;
  }

  result(): CappedOutput {
    const keep = this.capBytes - Math.floor(this.capBytes / 2);
    let tail = Buffer.concat(this.tail);
    if (tail.length > keep) tail = tail.subarray(tail.length - keep);
    const head = Buffer.concat(this.head);
    const dropped = this.total - head.length - tail.length;
    const text =
      dropped > 0
        ? `${head.toString('utf8')}\n[… ${dropped} bytes of output dropped (kept the first and last ${head.length + tail.length} of ${this.total}) …]\n${tail.toString('utf8')}`
        : head.toString('utf8') + tail.toString('utf8');
    return { text, totalBytes: this.total, droppedBytes: dropped };
  }
}
