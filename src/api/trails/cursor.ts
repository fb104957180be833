// The keyset cursor of a trail: the position of the last event of a page (time, kind,
// event_id), the range of the first page (so "to = now" does not move between pages) and a
// digest of the filters (a cursor is good only for the query that gave it out).
import { createHash } from 'node:crypto';

/** Where a page ends: the trail's sort key. */
export interface Position {
  time: string;
  kind: string;
  event_id: string;
}

interface Cursor extends Position {
  from: string;
  to: string;
  filters: string;
}

/** Where the next page of a walk starts, or why the cursor is refused. */
export type Resumption = { from: Date; to: Date; after: Position } | { problem: string };

export const positionOf = ({ time, kind, event_id }: Position): Position => ({ time, kind, event_id });

/** A short digest of the filters' values, which the cursor carries. */
export const filtersDigest = (values: readonly unknown[]) =>
  createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 16);

export const encodeCursor = (after: Position, range: { from: string; to: string }, filters: string) =>
  Buffer.from(JSON.stringify({ ...positionOf(after), ...range, filters } satisfies Cursor)).toString('base64url');

function decodeCursor(text: string): Cursor | undefined {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString()) as Cursor;
    const fields = [c.time, c.kind, c.event_id, c.from, c.to, c.filters];
    return fields.every((f) => typeof f === 'string') && !Number.isNaN(Date.parse(c.from)) && !Number.isNaN(Date.parse(c.to))
      ? c
      : undefined;
  } catch {
    return undefined;
  }
}

/** The range and position a cursor pins, for a query whose filters have the given digest. */
export function resume(text: string, filters: string): Resumption {
  const c = decodeCursor(text);
  if (!c) return { problem: 'not a cursor this API gave out' };
  if (c.filters !== filters)
    return { problem: 'the cursor belongs to a query with other filters: send the same filters as the first page' };
  return { from: new Date(c.from), to: new Date(c.to), after: positionOf(c) };
}
