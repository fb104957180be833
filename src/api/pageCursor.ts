// The cursor of a list computed per request (principals by risk, incidents): the range of the
// first page, so "to = now" does not move between pages, the offset of the next page, and a
// digest of the filters (a cursor is good only for the query that gave it out). An offset, not
// a keyset: these lists are aggregated from the anomalies whole on every page anyway.
import { z } from 'zod';
import { filtersDigest } from './trails/cursor.js';

export interface Page {
  from: Date;
  to: Date;
  offset: number;
}

interface Cursor {
  from: string;
  to: string;
  offset: number;
  filters: string;
}

export const CursorParam = z.string().max(1024).optional().describe('next_cursor of the previous page: the range and offset it pins');
export const NextCursor = z.string().nullable().describe('pass as cursor (with the same filters) for the next page; null on the last page');

export const encodePageCursor = ({ from, to, offset }: Page, filters: readonly unknown[]) =>
  Buffer.from(
    JSON.stringify({ from: from.toISOString(), to: to.toISOString(), offset, filters: filtersDigest(filters) } satisfies Cursor),
  ).toString('base64url');

function decode(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    const valid =
      typeof c.filters === 'string' &&
      Number.isSafeInteger(c.offset) &&
      c.offset >= 0 &&
      [c.from, c.to].every((t) => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
    return valid ? c : undefined;
  } catch {
    return undefined;
  }
}

/** The page a cursor pins for a query with these filters, or why it is refused. */
export function resumePage(text: string, filters: readonly unknown[]): Page | { problem: string } {
  const c = decode(text);
  if (!c) return { problem: 'not a cursor this API gave out' };
  if (c.filters !== filtersDigest(filters))
    return { problem: 'the cursor belongs to a query with other filters: send the same filters as the first page' };
  return { from: new Date(c.from), to: new Date(c.to), offset: c.offset };
}

/**
 * A paged query: its range and offset from the cursor when it has one (a 400 naming the cursor
 * when it is refused), else its own range from offset 0. `filters` picks what the cursor holds to.
 */
export function paged<Q extends { from: Date; to: Date; cursor?: string | undefined }>(
  q: Q,
  ctx: z.RefinementCtx,
  filters: (q: Q) => readonly unknown[],
): Q & { offset: number } {
  if (q.cursor === undefined) return { ...q, offset: 0 };
  const page = resumePage(q.cursor, filters(q));
  if ('problem' in page) {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: page.problem });
    return z.NEVER;
  }
  return { ...q, ...page };
}
