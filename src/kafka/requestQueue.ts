// kafkajs 2.2.4 schedules its next pending-request check after every check, even with nothing
// pending, at `throttledUntil - now`, which is negative when no throttle is set: every connection
// then wakes each millisecond for as long as it lives, and Node 24 warns of the negative delay
// (TimeoutNegativeWarning). Upstream: tulios/kafkajs#1751 and #1704, fixes proposed, unreleased.
// A check only needs scheduling while requests wait: a push while throttled or over the in-flight
// limit schedules one, and a fulfilled or timed-out request checks at once.
import { createRequire } from 'node:module';

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own retry interval for a queue that waits on the in-flight limit, not on a throttle. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

const require = createRequire(import.meta.url);
const { prototype } = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue };

prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledForMs = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
};
