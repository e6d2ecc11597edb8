// Conditional requests on a static file (RFC 9110 §13): apt, dnf and caching
// proxies revalidate with If-None-Match / If-Modified-Since and get 304
// without the body; curl -C - resumes with If-Range so a changed file comes
// back whole instead of spliced. Evaluated in the RFC's order (§13.2.2).

import type { IncomingHttpHeaders } from 'node:http';

export interface Validators {
  /** A strong entity tag, quotes included. */
  etag: string;
  /** The file's modification time, to the second (HTTP dates have no finer grain). */
  lastModified: Date;
}

export type Precondition = 'proceed' | 'not-modified' | 'precondition-failed';

/** The tags of an If-Match / If-None-Match list; "*" stays as is. */
function entityTags(header: string): string[] {
  return header.split(',').map((tag) => tag.trim());
}

/** Weak comparison (§8.8.3.2): W/ prefixes ignored. */
const weakMatch = (tag: string, etag: string) => tag === '*' || tag.replace(/^W\//, '') === etag;

/** An HTTP date in seconds, or undefined when it is not one (an invalid date makes the condition ignored, §13.1.3). */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function evaluatePreconditions(method: string, headers: IncomingHttpHeaders, v: Validators): Precondition {
  const modified = Math.floor(v.lastModified.getTime() / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    // Strong comparison: a weak tag never matches (§13.1.1).
    if (!entityTags(ifMatch).some((tag) => tag === '*' || tag === v.etag)) return 'precondition-failed';
  } else {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && modified > since) return 'precondition-failed';
  }
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (entityTags(ifNoneMatch).some((tag) => weakMatch(tag, v.etag))) return safe ? 'not-modified' : 'precondition-failed';
  } else if (safe) {
    const since = httpDateSeconds(headers['if-modified-since']);
    if (since !== undefined && modified <= since) return 'not-modified';
  }
  return 'proceed';
}

/** Whether a Range may be honoured (§13.1.5): no If-Range, or one naming this very representation (strong tag or exact date). */
export function ifRangeHolds(header: string | undefined, v: Validators): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  return httpDateSeconds(value) === Math.floor(v.lastModified.getTime() / 1000);
}
