// Produce requests cut by bytes per partition (src/sinks/requests.ts): the broker refuses a
// partition's record batch over its max.message.bytes at every retry, which stalled the stream.
import { describe, expect, it } from 'vitest';
import { produceRequests, recordWeight } from '../../src/sinks/requests.js';

interface Numbered {
  key: string;
  value: string;
  partition: number;
  n: number;
}

const messages = (count: number, partitions: (n: number) => number, bytes: (n: number) => number): Numbered[] =>
  Array.from({ length: count }, (_, n) => ({ key: `k${n}`, value: 'x'.repeat(bytes(n)), partition: partitions(n), n }));

describe('produce requests', () => {
  it('gives no partition more than the limit in one request, and keeps each partition in order', () => {
    // Most messages on partition 0, as an emitter's completeness route crowds one keyed partition.
    const all = messages(
      5000,
      (n) => (n % 5 === 0 ? 1 + (n % 3) : 0),
      (n) => 200 + (n % 700),
    );
    const limit = 64 * 1024;
    const requests = [...produceRequests(all, limit, (m) => m.partition)];
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) {
      const perPartition = new Map<number, number>();
      for (const m of request) perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + recordWeight(m));
      for (const bytes of perPartition.values()) expect(bytes).toBeLessThanOrEqual(limit);
    }
    const sent = requests.flat();
    expect(sent.map((m) => m.n).sort((a, b) => a - b)).toEqual(all.map((m) => m.n));
    for (const p of [0, 1, 2, 3]) {
      const order = sent.filter((m) => m.partition === p).map((m) => m.n);
      expect(order).toEqual(all.filter((m) => m.partition === p).map((m) => m.n));
    }
    // Every partition's share goes in the same requests: the crowded one does not hold the others back.
    expect(requests[0]!.some((m) => m.partition !== 0)).toBe(true);
  });

  it('sends a message heavier than the limit alone in its partition share', () => {
    const all = messages(
      3,
      () => 0,
      (n) => (n === 1 ? 10_000 : 100),
    );
    expect([...produceRequests(all, 1000, (m) => m.partition)].map((r) => r.map((m) => m.n))).toEqual([[0], [1], [2]]);
  });

  it('bounds the whole request when every message is said to go to one partition', () => {
    const all = messages(
      100,
      (n) => n % 4,
      () => 1000,
    );
    const requests = [...produceRequests(all, 10_000, () => 0)];
    for (const request of requests) expect(request.reduce((n, m) => n + recordWeight(m), 0)).toBeLessThanOrEqual(10_000);
    expect(requests.flat().map((m) => m.n)).toEqual(all.map((m) => m.n));
  });
});
