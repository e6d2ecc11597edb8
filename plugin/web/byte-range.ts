// The Range header of a GET (RFC 9110 §14): anaconda, debian-installer and
// curl -C - resume large downloads with it. One range only. A request for
// several ranges is answered whole (200): a server MAY ignore Range (§14.2),
// while 416 means no range overlaps the file (§15.5.17), which a satisfiable
// multi-range request is not; multipart/byteranges answers are an
// amplification risk the RFC warns of (§14.2) and no installer asks for one.

export type RangeAnswer = { kind: 'whole' } | { kind: 'part'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseByteRange(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'whole' };
  // The range unit is case-insensitive (§14.1); anything but one byte range is ignored.
  const m = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
  if (m[1] === '') {
    // bytes=-N: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'whole' }; // an invalid range-spec (§14.1.1): ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end };
}
