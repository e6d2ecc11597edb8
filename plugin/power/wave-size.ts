// How many machines a boot wave starts, and why: as many as the boot services
// have shown they can feed their whole install fetch within one interval
// (peak bytes/s served × interval ÷ bytes one install fetches), bounded by
// power.waveMinSize and power.waveMaxSize. The operator's power.waveSize, when
// set, is the size and nothing is measured. Before anything was served, or
// when the install's files are unknown, a conservative default. The reason
// goes into the waiting machine's status word for word.
//
// Why the peak and not the mean: a server idle between waves would read as a
// slow one. In a steady storm whose fetches outlast the interval, the peak is
// (machines fetching at once × their rate) = size × fetch ÷ interval, so the
// size holds; it grows while the server keeps up with more, and shrinks to
// what the server carries once it cannot go faster.

/** The highest rate the boot services served in one sample, and which of them served it. */
export interface ServedPeak {
  bytesPerSecond: number;
  by: 'TFTP' | 'HTTP' | 'TFTP and HTTP';
}

export interface WaveBounds {
  /** power.waveSize: the operator's fixed size; the measure is then not consulted. */
  size?: number;
  /** power.waveMinSize / power.waveMaxSize bound a measured size. */
  minSize?: number;
  maxSize?: number;
  /** power.waveUnmeasuredSize: the size until a measure and the install's fetch size are both known. */
  unmeasuredSize?: number;
}

export const WAVE_BOUND_DEFAULTS = { minSize: 2, maxSize: 200, unmeasuredSize: 10 } as const;

export interface WaveSize {
  size: number;
  reason: string;
}

export function waveSize(bounds: WaveBounds, intervalMs: number, peak: ServedPeak | undefined, fetchBytes: number | undefined): WaveSize {
  if (bounds.size !== undefined) return { size: bounds.size, reason: 'set by power.waveSize' };
  const min = bounds.minSize ?? WAVE_BOUND_DEFAULTS.minSize;
  const max = Math.max(min, bounds.maxSize ?? WAVE_BOUND_DEFAULTS.maxSize);
  const unmeasured = Math.min(max, Math.max(min, bounds.unmeasuredSize ?? WAVE_BOUND_DEFAULTS.unmeasuredSize));
  if (!peak || peak.bytesPerSecond <= 0) return { size: unmeasured, reason: 'default until the boot services have served a boot to measure' };
  if (!fetchBytes || fetchBytes <= 0)
    return { size: unmeasured, reason: `default: ${peak.by} served ${megabytes(peak.bytesPerSecond)}/s, this install's fetch size is not known` };
  const derived = Math.floor((peak.bytesPerSecond * intervalMs) / 1000 / fetchBytes);
  const size = Math.min(max, Math.max(min, derived));
  const bound = derived < min ? ', at least power.waveMinSize' : derived > max ? ', at most power.waveMaxSize' : '';
  return { size, reason: `${peak.by} served ${megabytes(peak.bytesPerSecond)}/s, ${megabytes(fetchBytes)} per install${bound}` };
}

/** Decimal megabytes as an operator reads them off a link: 48 MB, 9.2 MB, 0.31 MB. */
export function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb >= 10 ? Math.round(mb) : mb >= 1 ? mb.toFixed(1) : mb.toPrecision(2)} MB`;
}
