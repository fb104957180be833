// POST /api/v1/events: HTTP ingest into the same normalize → store → processors path as
// Kafka. NDJSON (each line's bytes kept exactly) or a JSON array; the answer counts what
// was accepted and gives each reject's index and reason. A credential writes only its own
// tenants' events: a body holding another tenant's is refused whole, before anything is stored.
import { z } from 'zod';
import { ndjsonLines } from '../sources/ndjson.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';
import type { Origin, RawRecord } from '../pipeline/record.js';
import { apiError, storeWrite } from './errors.js';
import { unencapsulated } from './plugin.js';
import { declareRoute } from './route.js';
import { checkWritable, requestCaller } from './tenancy.js';
import type { Caller } from './auth.js';

export type Ingest = Pick<IngestPipeline, 'prepare' | 'store'>;

const INGEST_URL = '/api/v1/events';
const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];

export const IngestResult = z.object({
  received: z.number(),
  accepted: z.number(),
  skipped: z.number().describe('valid JSON that is not an access event (for example a vendor admin event)'),
  rejected: z.number(),
  rejects: z.array(z.object({ index: z.number().describe('0-based line or array index'), reason: z.string() })),
});

/** NDJSON bodies reach the handlers of the registering scope as their bytes, so each line is kept exactly as sent. */
export const ndjsonBodies = unencapsulated(async (scope) => {
  scope.addContentTypeParser(NDJSON_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
});

const origin = (line: number): Origin => ({ door: 'http', topic: INGEST_URL, line });

async function ndjsonRecords(body: Buffer): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const { value, line } of ndjsonLines([body])) records.push({ value, origin: origin(line) });
  return records;
}

const arrayRecords = (items: unknown[]): RawRecord[] =>
  items.map((item, i) => ({ value: Buffer.from(JSON.stringify(item)), origin: origin(i + 1) }));

/** The body's events as records: NDJSON lines or JSON array items, numbered from 1. */
async function recordsOf(body: unknown): Promise<RawRecord[]> {
  if (!Buffer.isBuffer(body) && !Array.isArray(body))
    throw apiError('bad_request', 'send NDJSON (Content-Type: application/x-ndjson) or a JSON array of events');
  const records = Buffer.isBuffer(body) ? await ndjsonRecords(body) : arrayRecords(body);
  if (records.length === 0) throw apiError('bad_request', 'no events in the body');
  return records;
}

/** The pipeline's result, when the caller may write every tenant of the batch. */
async function processed(ingest: Ingest, records: RawRecord[], caller: Caller) {
  const batch = await ingest.prepare(records);
  checkWritable(
    caller,
    batch.prepared.events.map((e) => e.tenant),
  );
  return storeWrite(() => ingest.store(batch));
}

export const ingestRoute = (ingest: Ingest) =>
  declareRoute({
    method: 'POST',
    url: INGEST_URL,
    roles: ['ingest'],
    summary: 'HTTP ingest: events of any supported shape through normalize → store → processors, as from Kafka',
    description: 'NDJSON (application/x-ndjson) or a JSON array; the body limit is ZTNA_HTTP_BODY_LIMIT_BYTES (413 above it).',
    body: { schema: z.array(z.record(z.string(), z.unknown())), contentTypes: ['application/json', 'application/x-ndjson'] },
    response: IngestResult,
    errors: {
      body_too_large: 'the body is over the size limit',
      store_unavailable: 'the store is busy or unreachable: nothing is lost, send the same request again',
    },
    handler: async ({ body, req }): Promise<z.input<typeof IngestResult>> => {
      const result = await processed(ingest, await recordsOf(body), requestCaller(req));
      return {
        received: result.read,
        accepted: result.normalized,
        skipped: result.skipped,
        rejected: result.rejected,
        rejects: result.rejects.map((r) => ({ index: (r.origin.line ?? 0) - 1, reason: r.reason })),
      };
    },
  });
