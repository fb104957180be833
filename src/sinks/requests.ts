// Produce requests the broker accepts. The broker limits each partition's record batch in a
// request (the topic's max.message.bytes, 1 MiB by default) and refuses an oversized one at
// every retry, so a sink that sends a pipeline batch's worth of messages in one request stalls
// the stream for good once they are many. Requests are cut by bytes per partition instead.
import type { Message } from 'kafkajs';

/** About what a message weighs in a record batch: its value, key and headers, and each record's framing. */
export function recordWeight(m: Message): number {
  const headers = Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(String(v)), 0);
  return byteLength(m.value) + byteLength(m.key) + headers + 64;
}

function byteLength(v: Message['value'] | Message['key']): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
}

/**
 * The messages in requests where no partition gets more than `limit` bytes (a heavier message
 * alone in its partition's share), each partition's messages in their order. `partitionOf`
 * says where a message goes; a sink that does not know, () => 0, bounds the whole request.
 */
export function* produceRequests<M extends Message>(messages: readonly M[], limit: number, partitionOf: (m: M) => number): Generator<M[]> {
  const queues = new Map<number, M[]>();
  for (const m of messages) {
    const p = partitionOf(m);
    const queue = queues.get(p);
    if (queue) queue.push(m);
    else queues.set(p, [m]);
  }
  const next = new Map<number, number>([...queues.keys()].map((p) => [p, 0]));
  while (next.size > 0) {
    const request: M[] = [];
    for (const [p, from] of next) {
      const queue = queues.get(p)!;
      let i = from;
      for (let bytes = 0; i < queue.length; i++) {
        const w = recordWeight(queue[i]!);
        if (i > from && bytes + w > limit) break;
        bytes += w;
        request.push(queue[i]!);
      }
      if (i === queue.length) next.delete(p);
      else next.set(p, i);
    }
    yield request;
  }
}
