// POST /api/v1/events: HTTP ingest into the same normalize → store → processors path as
// Kafka. NDJSON (each line's bytes kept exactly) or a JSON array; the answer counts what
// was accepted and gives each reject's index and reason.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ndjsonLines } from '../sources/ndjson.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';
import type { RawRecord } from '../pipeline/record.js';
import { StoreError } from '../store/index.js';
import type { RouteDoc } from './route.js';

export type Ingest = Pick<IngestPipeline, 'processBatch'>;

export const IngestResult = z.object({
  received: z.number(),
  accepted: z.number(),
  skipped: z.number().describe('valid JSON that is not an access event (for example a vendor admin event)'),
  rejected: z.number(),
  rejects: z.array(z.object({ index: z.number().describe('0-based line or array index'), reason: z.string() })),
});

export const ingestRouteDoc: RouteDoc = {
  method: 'POST',
  url: '/api/v1/events',
  roles: ['ingest'],
  summary: 'HTTP ingest: events of any supported shape through normalize → store → processors, as from Kafka',
  description: 'NDJSON (application/x-ndjson) or a JSON array; the body limit is ZTNA_HTTP_BODY_LIMIT_BYTES (413 above it).',
  body: { schema: z.array(z.record(z.string(), z.unknown())), contentTypes: ['application/json', 'application/x-ndjson'] },
  response: IngestResult,
  otherStatus: { 413: 'the body is over the size limit', 503: 'the store is busy or unreachable: nothing is lost, send the same request again' },
};

export function registerIngestRoute(app: FastifyInstance, ingest: Ingest): void {
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/api/v1/events', { config: { roles: ['ingest'] } }, async (req, reply) => {
    let records: RawRecord[];
    if (Buffer.isBuffer(req.body)) {
      records = [];
      for await (const { value, line } of ndjsonLines([req.body])) records.push({ value, origin: { door: 'http', topic: '/api/v1/events', line } });
    } else if (Array.isArray(req.body)) {
      records = req.body.map((item, i) => ({ value: Buffer.from(JSON.stringify(item)), origin: { door: 'http' as const, topic: '/api/v1/events', line: i + 1 } }));
    } else {
      return reply.code(400).send({ error: 'bad_request', message: 'send NDJSON (Content-Type: application/x-ndjson) or a JSON array of events' });
    }
    if (records.length === 0) return reply.code(400).send({ error: 'bad_request', message: 'no events in the body' });
    let result: Awaited<ReturnType<Ingest['processBatch']>>;
    try {
      result = await ingest.processBatch(records);
    } catch (err) {
      if (!(err instanceof StoreError) || !err.transient) throw err;
      // The store is busy or away: the sender keeps the events and sends them again.
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: 'store_unavailable', message: 'the store cannot take events right now; send the same request again later (events already stored are not stored twice)' });
    }
    const answer: z.input<typeof IngestResult> = {
      received: result.read,
      accepted: result.normalized,
      skipped: result.skipped,
      rejected: result.rejected,
      rejects: result.rejects.map((r) => ({ index: (r.origin.line ?? 0) - 1, reason: r.reason })),
    };
    return answer;
  });
}
