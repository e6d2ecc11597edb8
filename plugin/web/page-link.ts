// The next page of a list walked by name (hosts, images): the same filters
// and size, after the last name of this page. A keyset cursor: an item added
// or removed during the walk shifts nothing after it, as an offset would.
// Sent as `next` in the body and as RFC 8288's Link rel="next".

import type { FastifyReply } from 'fastify';

export function nextPageLink(path: string, query: object, lastName: string): string {
  const { offset: _offset, after: _after, ...kept } = query as Record<string, unknown>;
  const params = new URLSearchParams(Object.entries(kept).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])));
  params.set('after', lastName);
  return `${path}?${params.toString()}`;
}

/** `next` for the answer: the link when another page follows, else null; the Link header set with it. */
export function linkNext(reply: FastifyReply, path: string, query: object, page: { more: boolean; lastName: string | undefined }): string | null {
  if (!page.more || page.lastName === undefined) return null;
  const next = nextPageLink(path, query, page.lastName);
  reply.header('link', `<${next}>; rel="next"`);
  return next;
}
