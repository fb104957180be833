// POST /api/v1/events: HTTP ingest into the same normalize → store → processors path as
// Kafka. NDJSON (each line's bytes kept exactly) or a JSON array; the answer counts what
// was accepted and gives each reject's index and reason.
import type { FastifyInstance } from 'fastify';
import { ndjsonLines } from '../ingest/ndjson.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { RawRecord } from '../ingest/record.js';

export type Ingest = Pick<IngestPipeline, 'processBatch'>;

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
    const result = await ingest.processBatch(records);
    return {
      received: result.read,
      accepted: result.normalized,
      skipped: result.skipped,
      rejected: result.rejected,
      rejects: result.rejects.map((r) => ({ index: (r.origin.line ?? 0) - 1, reason: r.reason })),
    };
  });
}
