// How a door waits out a store that is busy or away: the same batch again, after a pause that
// doubles up to a cap, until it is stored or the door stops. Nothing is committed meanwhile,
// so a transient failure loses nothing and dead-letters nothing.

export interface BackoffOptions {
  /** First pause, in ms. */
  initialDelayMs?: number;
  /** Longest pause, in ms. */
  maxDelayMs?: number;
  /** Checked before every attempt and after every pause: true ends the retrying. */
  stopped(): boolean;
  /** Told of each failure before the pause that follows it (log, count, heartbeat). */
  onFailure(err: unknown, attempt: number, delayMs: number): void | Promise<void>;
  /** Between attempts; a door with a liveness duty (Kafka heartbeats) keeps it up here. */
  pause?(ms: number): Promise<void>;
}

export type Attempted<T> = { done: true; value: T } | { done: false };

export const DEFAULT_BACKOFF = { initialDelayMs: 250, maxDelayMs: 30_000 } as const;

/** Runs `attempt` until it succeeds or the door stops (then `{ done: false }`: commit nothing). */
export async function retryWithBackoff<T>(attempt: () => Promise<T>, options: BackoffOptions): Promise<Attempted<T>> {
  const initial = options.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const pause = options.pause ?? sleep;
  for (let n = 1; !options.stopped(); n++) {
    try {
      return { done: true, value: await attempt() };
    } catch (err) {
      const delayMs = Math.min(max, initial * 2 ** Math.min(n - 1, 20));
      await options.onFailure(err, n, delayMs);
      if (options.stopped()) break;
      await pause(delayMs);
    }
  }
  return { done: false };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms`, or at once when the signal aborts (the door is stopping). */
export function pauseUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, signal.aborted ? 0 : ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
