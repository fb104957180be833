// Poison on the real Kafka path: 10,000 hostile records among 10,000 valid ones, produced to a
// real broker and consumed by `ztna run`. Every valid event is stored once (against the
// simulator's truth), every hostile record is in rejected_events and on the dead-letter topic
// with a reason, and the consumer stays alive. Counted exactly.
import { createHash } from 'node:crypto';
import type { IHeaders, Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KINDS } from '../../src/events/index.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { tempDir } from '../support/helpers.js';
import { freePort } from '../support/services/ports.js';
import { connectClients, startConsumer, stopGracefully, uniqueTopics, waitCaughtUp, type TestClients } from '../support/kafkaConsumer.js';
import { readStore } from '../support/store.js';
import { expectedFromTruth, keyDifference, storedEventKeys } from '../support/truth.js';
import { waitFor } from '../support/wait.js';

const brokers = inject('kafkaBrokers');
const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Hostile {
  category: string;
  /** What the category's dead letters' reason says. */
  reason: RegExp;
  value: Buffer | null;
  headers?: IHeaders;
}

const native = (i: number, fields: Record<string, unknown> = {}) => ({
  kind: 'auth',
  tenant: 'poison',
  time: '2026-11-20T10:00:00.000Z',
  emitter_id: 'idp-poison',
  emitter_seq: i + 1,
  principal_id: `p${i}@poison.example`,
  outcome: 'success',
  ...fields,
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const token = (i: number) => `tok${String(i).padStart(6, '0')}SECRETabcdefgh`;
const BAD_TIMES: unknown[] = [
  '1969-12-31T23:59:59.999Z',
  '2100-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  -1,
  1e20,
  'not a time',
];
const BAD_BYTES = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]];
const NOT_OBJECTS = ['[1,2,3]', 'null', '"a string"', '42', 'true', '{}'];
const ODD_HEADERS: IHeaders = {
  'x-binary': Buffer.from([0xff, 0x00, 0xfe]),
  '': Buffer.from('a header without a name'),
  'x-large': Buffer.alloc(10_000, 0x80),
  'x-controls': '\u0000\u001b[31m\u202e',
};

/** The categories of hostile records, and how many of each (the rest of 10,000 are not JSON). */
const CATEGORIES: Array<{ n: number; make: (i: number, valid: string) => Hostile }> = [
  {
    n: 1500,
    make: (i, valid) => ({ category: 'truncated JSON', reason: /^not JSON: /, value: Buffer.from(valid.slice(0, valid.length >> 1)) }),
  },
  {
    n: 4,
    make: (i) => ({
      category: '5 MB value',
      reason: /^record is \d+ bytes, over the 1048576-byte limit$/,
      value: i % 2 ? Buffer.from(`{"kind":"auth","pad":"${'x'.repeat(5 * MiB)}"}`) : Buffer.alloc(5 * MiB, i),
    }),
  },
  {
    n: 1000,
    make: (i) => ({
      category: 'deep nesting',
      reason: /^expected one JSON object per record, got an array$|principal_id/,
      value:
        i % 2
          ? Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`)
          : Buffer.from(
              JSON.stringify(native(i)).replace(/"principal_id":"[^"]*"/, `"principal_id":${'['.repeat(5000)}${']'.repeat(5000)}`),
            ),
    }),
  },
  {
    n: 1000,
    make: (i) => ({
      category: '__proto__ keys',
      reason: /^unrecognized event shape/,
      value: Buffer.from(`{"__proto__":${JSON.stringify(native(i))},"constructor":{"prototype":{"kind":"auth"}}}`),
    }),
  },
  {
    n: 1000,
    make: (i) => ({ category: 'time out of range', reason: /time/, value: json(native(i, { time: BAD_TIMES[i % BAD_TIMES.length] })) }),
  },
  {
    n: 1000,
    make: (i) => {
      const [head, tail] = JSON.stringify(native(i, { principal_id: '@' })).split('@');
      return {
        category: 'invalid UTF-8',
        reason: /^record is not valid UTF-8$/,
        value: Buffer.concat([Buffer.from(head!), Buffer.from(BAD_BYTES[i % BAD_BYTES.length]!), Buffer.from(tail!)]),
      };
    },
  },
  { n: 1000, make: () => ({ category: 'tombstone', reason: /^not JSON: /, value: null }) },
  {
    n: 1000,
    make: (i) => ({
      category: 'odd header bytes',
      reason: /^expected one JSON object per record|^unrecognized event shape/,
      value: Buffer.from(NOT_OBJECTS[i % NOT_OBJECTS.length]!),
      headers: ODD_HEADERS,
    }),
  },
  {
    n: 10,
    make: (i) => ({
      category: 'lone surrogate',
      reason: /principal_id: contains U\+D800, a lone surrogate/,
      value: Buffer.from(JSON.stringify(native(i, { principal_id: 'who' })).replace('"who"', '"\\ud800 who"')),
    }),
  },
];
const HOSTILE = 10_000;
const notJson = (i: number): Hostile => ({
  category: 'not JSON',
  reason: /^not JSON: /,
  value: Buffer.from(i % 3 === 0 ? `😀 ${i}` : i % 3 === 1 ? `<event id="${i}"/>` : `Authorization: Bearer ${token(i)}\n`),
});

function hostileRecords(valid: readonly string[]): Hostile[] {
  const out = CATEGORIES.flatMap(({ n, make }) => Array.from({ length: n }, (_, k) => make(k, valid[k % valid.length]!)));
  const rest = HOSTILE - out.length;
  return [...out, ...Array.from({ length: rest }, (_, k) => notJson(k))];
}

describe('poison on the real Kafka path', () => {
  let clients: TestClients;
  beforeAll(async () => {
    clients = await connectClients(brokers);
  });
  afterAll(async () => clients?.disconnect());

  it('stores every valid event once and dead-letters every hostile record (table and topic) with a reason; the consumer stays alive', async () => {
    const { kafka, admin, producer } = clients;
    const topics = uniqueTopics();
    const eventTopics = KINDS.map((kind) => topics[kind]);
    // Big enough for the 5 MB records, on the dead-letter topic too (it gets the exact bytes).
    const configEntries = [{ name: 'max.message.bytes', value: String(8 * MiB) }];
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2, configEntries })),
    });
    const sim = new TrafficSimulator({ seed: 61, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0, notAccessShare: 0 });
    const valid = Array.from({ length: 10_000 }, () => sim.next());
    const truth = expectedFromTruth(valid);
    expect(truth.invalid).toHaveLength(0);
    const hostile = hostileRecords(valid.map((r) => r.line));
    expect(hostile).toHaveLength(HOSTILE);

    // Valid and hostile interleaved on every topic; each hostile record keyed by its index.
    const messages: Array<{ topic: string; message: Message }> = [];
    valid.forEach((r, i) => {
      messages.push({ topic: topics[r.topicKind], message: { value: Buffer.from(r.line) } });
      const h = hostile[i]!;
      messages.push({ topic: eventTopics[i % 4]!, message: { key: `hostile-${i}`, value: h.value, headers: h.headers } });
    });
    for (let i = 0; i < messages.length;) {
      // Each 5 MB record in a request of its own.
      const large = (messages[i]!.message.value?.length ?? 0) > MiB;
      const chunk = large ? [messages[i]!] : [];
      while (!large && i + chunk.length < messages.length && chunk.length < 1000) {
        const next = messages[i + chunk.length]!;
        if ((next.message.value?.length ?? 0) > MiB) break;
        chunk.push(next);
      }
      i += chunk.length;
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of chunk) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    }

    const group = `g-${topics.auth}`;
    const dataDir = tempDir('kafka-poison');
    const httpPort = await freePort();
    const consumer = startConsumer(brokers, topics, dataDir, group, { ZTNA_RETENTION_DAYS: '3650', ZTNA_HTTP_PORT: String(httpPort) });
    await waitCaughtUp(admin, group, eventTopics, consumer);
    // Alive and ready after all of it.
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    expect(await stopGracefully(consumer)).toMatch(/stopped cleanly · 20000 read/);

    const rows = await readStore(dataDir, async (store) => {
      const stored = await storedEventKeys(store);
      for (const kind of KINDS) expect(keyDifference(stored[kind], truth.events[kind]), kind).toEqual({ missing: [], extra: [] });
      return store.query<{ reject_id: string; reason: string; raw_sha256: string; raw_size: string; raw_base64: string }>(
        'SELECT reject_id, reason, raw_sha256, raw_size, raw_base64 FROM rejected_events FINAL',
      );
    });
    expect(rows).toHaveLength(HOSTILE);
    const byRejectId = new Map(rows.map((r) => [r.reject_id, r]));
    // No bearer token of the hostile records in the table; they are on the topic, exactly.
    const tokens = new RegExp(`tok\\d{6}SECRET`);
    expect(rows.filter((r) => tokens.test(Buffer.from(r.raw_base64, 'base64').toString('latin1')))).toEqual([]);

    const reader = kafka.consumer({ groupId: `reader-${topics.auth}`, maxBytesPerPartition: 8 * MiB });
    await reader.connect();
    await reader.subscribe({ topics: [topics.deadletter], fromBeginning: true });
    const letters = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }>();
    await reader.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        // At least once: read by reject id, as the topic's readers should.
        letters.set(headers['ztna-reject-id']!, { key: String(message.key), value: message.value ?? Buffer.alloc(0), headers });
      },
    });
    await waitFor('every dead letter on the topic', async () => letters.size >= HOSTILE, 60_000);
    await reader.disconnect();
    expect(letters.size).toBe(HOSTILE);

    const byKey = new Map([...letters.values()].map((l) => [l.key, l]));
    expect(byKey.size).toBe(HOSTILE);
    const wrong: string[] = [];
    hostile.forEach((h, i) => {
      const letter = byKey.get(`hostile-${i}`);
      const exact = h.value ?? Buffer.alloc(0);
      const row = letter && byRejectId.get(letter.headers['ztna-reject-id']!);
      if (!letter || !row) return void wrong.push(`${h.category} ${i}: not dead-lettered`);
      if (!letter.value.equals(exact)) wrong.push(`${h.category} ${i}: other bytes on the topic`);
      if (!h.reason.test(letter.headers['ztna-reason'] ?? '') || row.reason !== letter.headers['ztna-reason'])
        wrong.push(`${h.category} ${i}: reason ${letter.headers['ztna-reason']}`);
      if (row.raw_sha256 !== sha256(exact) || Number(row.raw_size) !== exact.length) wrong.push(`${h.category} ${i}: hash or size`);
    });
    expect(wrong.slice(0, 20)).toEqual([]);
  });
});
