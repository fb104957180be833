// Sealing closed minutes of the rollups into plain counts (sql/migrations/0011 and 0015): the
// process that writes events runs a pass every so often, so week-long reads of SLIs and denials
// add numbers instead of merging a week of event-id sets. Every replica may run it: a pass is
// idempotent.
import { namedQuery } from './sql.js';
import { toClickHouseTime } from './rows.js';
import type { Store } from './store.js';

/** The seal statement of each rollup with minutes to seal, in sql/queries/. */
export const SEALED_ROLLUPS = ['sli_seal', 'denial_seal'] as const;

/**
 * Minutes this far behind the clock are sealed: events of a minute mostly arrive within it and
 * the next. Later ones are not lost: the next pass re-seals the minute they landed in.
 */
export const SEAL_LAG_MS = 2 * 60_000;

/** The first minute not sealed by a pass at `now`. */
export function sealHorizon(now: Date): string {
  const minute = Math.floor((now.getTime() - SEAL_LAG_MS) / 60_000) * 60_000;
  return toClickHouseTime(new Date(minute).toISOString()).slice(0, 19);
}

/** One pass: seals the minutes closed since the last pass and re-seals those written to since, in every rollup. */
export async function sealClosedMinutes(store: Pick<Store, 'command'>, now = new Date()): Promise<void> {
  const horizon = sealHorizon(now);
  for (const rollup of SEALED_ROLLUPS) await store.command(namedQuery(rollup), { horizon });
}

/**
 * A pass every `intervalMs` until stopped. A failed pass is reported and tried again at the next
 * tick (a store away is a transient failure; the minutes stay readable from their sets meanwhile).
 */
export function startSealer(store: Pick<Store, 'command'>, intervalMs: number, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= sealClosedMinutes(store)
      .catch(onError)
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
