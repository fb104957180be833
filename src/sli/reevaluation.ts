// Time to re-evaluate (the guide's M5): how long a session runs before its access is evaluated
// again. Each policy decision or authentication in a session is a re-evaluation; its interval is
// the time since the session's previous one, or since the session started (its first event).
// State is one timestamp per session, capped and forgotten when idle.
import type { CanonicalEvent } from '../events/index.js';

export interface ReevaluationOptions {
  /** Sessions followed at most; past it the least recently evaluated is forgotten. */
  maxSessions: number;
  /** A session not evaluated for this long (event time, ms) is forgotten: longer intervals go unmeasured. */
  idleMs: number;
}

export class SessionReevaluation {
  // Map order is the order of last touch (a touch deletes and sets again), so the oldest is first.
  private readonly last = new Map<string, number>();
  private watermark = 0;
  forgotten = 0;

  constructor(private readonly options: ReevaluationOptions) {}

  get size(): number {
    return this.last.size;
  }

  /** The seconds since the session's previous evaluation, when the event re-evaluates a session seen before. */
  observe(event: CanonicalEvent): number | undefined {
    if (event.session_id === undefined) return undefined;
    const at = Date.parse(event.time);
    this.watermark = Math.max(this.watermark, at);
    const key = `${event.tenant}\u0000${event.session_id}`;
    const previous = this.last.get(key);
    const evaluates = event.kind === 'policy' || event.kind === 'auth';
    // A late event (before the last evaluation) re-evaluates nothing that was not already counted.
    const interval = previous !== undefined && evaluates && at >= previous ? (at - previous) / 1000 : undefined;
    if (previous === undefined || (evaluates && at > previous)) {
      this.last.delete(key);
      this.last.set(key, at);
    }
    this.forget();
    return interval;
  }

  private forget(): void {
    for (const [key, at] of this.last) {
      if (this.last.size <= this.options.maxSessions && at >= this.watermark - this.options.idleMs) break;
      this.last.delete(key);
      this.forgotten++;
    }
  }
}
