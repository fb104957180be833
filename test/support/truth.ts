// What the store must hold for simulated records, from the simulator's own ground truth: each
// record says what it is (an event of a kind, a malformed record, a vendor event that is not an
// access event), so expected values never come from the normalizer under test.
import { KINDS, type Kind } from '../../src/events/index.js';
import type { SimulatedRecord } from '../../src/simulate/traffic.js';
import type { Store } from '../../src/store/index.js';

/** Per kind, events as sorted keys of tenant, principal and time (ms): what the truth and a stored row both carry. */
export type EventKeys = Record<Kind, string[]>;

export interface Expected {
  /** The events the store must hold, each once. */
  events: EventKeys;
  /** The malformed records' bytes, in input order: each must be dead-lettered exactly so. */
  invalid: Buffer[];
  /** Vendor events that are not access events: skipped, neither stored nor dead-lettered. */
  notAccess: number;
}

const eventKey = (tenant: unknown, principal: unknown, timeMs: number) => `${String(tenant)} ${String(principal)} ${timeMs}`;

/** No key of any kind: what `missingKeys` and `extraKeys` answer when the store holds exactly the truth. */
export const noKeys = (): EventKeys => ({ auth: [], policy: [], posture: [], token: [] });

export function expectedFromTruth(records: readonly SimulatedRecord[]): Expected {
  const events = noKeys();
  const invalid: Buffer[] = [];
  let notAccess = 0;
  for (const record of records) {
    if (record.type === 'invalid') invalid.push(Buffer.from(record.line));
    else if (record.type === 'not-access') notAccess++;
    else {
      const truth = record.truth!;
      events[truth.kind].push(eventKey(truth.tenant, truth.principal_id, Date.parse(truth.time)));
    }
  }
  for (const kind of KINDS) events[kind].sort();
  return { events, invalid, notAccess };
}

/** The events a store holds, read with FINAL, as the same keys. */
export async function storedEventKeys(store: Store): Promise<EventKeys> {
  const keys = noKeys();
  for (const kind of KINDS) {
    const rows = await store.query<{ tenant: string; principal_id: string | null; ms: string }>(
      'SELECT tenant, principal_id, toUnixTimestamp64Milli(time) AS ms FROM events FINAL WHERE kind = {kind:String}',
      { kind },
    );
    keys[kind] = rows.map((r) => eventKey(r.tenant, r.principal_id, Number(r.ms))).sort();
  }
  return keys;
}

/** Which expected keys are not among the actual ones (missing) and which actual ones were not expected (extra), duplicates counted. */
export function keyDifference(actual: readonly string[], expected: readonly string[]): { missing: string[]; extra: string[] } {
  const unmatched = new Map<string, number>();
  for (const key of expected) unmatched.set(key, (unmatched.get(key) ?? 0) + 1);
  const extra: string[] = [];
  for (const key of actual) {
    const n = unmatched.get(key) ?? 0;
    if (n > 0) unmatched.set(key, n - 1);
    else extra.push(key);
  }
  const missing = [...unmatched].flatMap(([key, n]) => Array<string>(n).fill(key));
  return { missing, extra };
}

/** Per kind, the expected keys the actual ones lack. */
export const missingKeys = (actual: EventKeys, expected: EventKeys): EventKeys =>
  byKind((k) => keyDifference(actual[k], expected[k]).missing);

/** Per kind, the actual keys beyond the expected ones (a duplicate included). */
export const extraKeys = (actual: EventKeys, expected: EventKeys): EventKeys => byKind((k) => keyDifference(actual[k], expected[k]).extra);

const byKind = (keysOf: (kind: Kind) => string[]): EventKeys => Object.fromEntries(KINDS.map((k) => [k, keysOf(k)])) as EventKeys;
