// A trail exported as NDJSON or CSV: rendered event by event from the page-by-page walk, so an
// export never sits in memory whatever the range.
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS, TrailEvent, type ExportFormat, type TrailsQuery } from './schema.js';

const COLUMNS = Object.keys(TrailEvent.shape) as Array<keyof TrailEvent>;

/** One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula is prefixed with '. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join('|') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function* rendered(events: AsyncIterable<TrailEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
  for await (const e of events) yield format === 'csv' ? `${COLUMNS.map((c) => csvCell(e[c])).join(',')}\r\n` : `${JSON.stringify(e)}\n`;
}

/** ndjson or csv when asked for by `format` or by the Accept header; undefined for a JSON page. */
export function exportFormat(q: TrailsQuery, req: FastifyRequest): ExportFormat | undefined {
  if (q.format) return q.format === 'json' ? undefined : q.format;
  const accept = req.headers.accept ?? '';
  return EXPORT_FORMAT_NAMES.find((f) => accept.includes(EXPORT_FORMATS[f]));
}

/** Streams the events as an attachment named after the range. */
export function sendExport(reply: FastifyReply, q: TrailsQuery, format: ExportFormat, events: AsyncIterable<TrailEvent>): FastifyReply {
  const name = `trail-${q.from.toISOString().slice(0, 10)}-${q.to.toISOString().slice(0, 10)}.${format}`;
  reply.type(EXPORT_FORMATS[format]).header('content-disposition', `attachment; filename="${name}"`);
  return reply.send(Readable.from(rendered(events, format)));
}
