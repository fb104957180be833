import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import '../../src/kafka/client.js';

// kafkajs's own queue class, as the client's connections use it once src/kafka/client.ts is loaded.
const { prototype } = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests(this: Queue): void };
};

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checks: number;
  checkPendingRequests(): void;
}

const queues: Queue[] = [];
function queue(pending: unknown[], throttledUntil: number): Queue {
  const q: Queue = {
    pending,
    throttledUntil,
    throttleCheckTimeoutId: null,
    checks: 0,
    checkPendingRequests() {
      this.checks++;
    },
  };
  queues.push(q);
  return q;
}

afterEach(() => {
  for (const q of queues.splice(0)) if (q.throttleCheckTimeoutId) clearTimeout(q.throttleCheckTimeoutId);
});

describe('the Kafka request queue', () => {
  it('schedules no check while nothing waits, so an idle connection does not wake every millisecond', () => {
    const idle = queue([], -1); // kafkajs's "never throttled"
    prototype.scheduleCheckPendingRequests.call(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('checks a waiting request when the throttle ends', async () => {
    const throttled = queue([{}], Date.now() + 30);
    prototype.scheduleCheckPendingRequests.call(throttled);
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((r) => setTimeout(r, 80));
    expect(throttled.checks).toBe(1);
    expect(throttled.throttleCheckTimeoutId).toBeNull();
  });

  it('checks a request waiting on the in-flight limit soon, without a negative delay', async () => {
    const waiting = queue([{}], -1);
    prototype.scheduleCheckPendingRequests.call(waiting);
    await new Promise((r) => setTimeout(r, 50));
    expect(waiting.checks).toBe(1);
  });
});
