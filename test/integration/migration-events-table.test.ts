// Migrations 0006-0007 on a store that holds data in the old layout (one table per kind): every
// event moves into the wide `events` table with every field intact, a redelivered copy stays one
// event, the SLI rollups are rebuilt to the same counts, and the per-kind tables are gone; then
// 0009 and 0010 fill their rollups from the events moved over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../../src/events/index.js';
import { ChdbStore, migrate, namedQuery, type Row, type Store } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { simulatedEvents } from '../support/storeContract.js';

const LAST_PER_KIND_VERSION = 5;

describe('migrating per-kind tables into one events table', () => {
  let store: Store;
  const before = new Map<string, Row[]>();
  let rollupsBefore: Row[];
  beforeAll(async () => {
    store = new ChdbStore(tempDir('migration-events'));
    await migrate(store, { retentionDays: 400, target: LAST_PER_KIND_VERSION });
    const events = simulatedEvents(3000, 5);
    for (const kind of KINDS) {
      const rows = events.filter((e) => e.kind === kind).map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'kind')));
      expect(rows.length, kind).toBeGreaterThan(100);
      await store.insert(`${kind}_events`, rows);
      await store.insert(`${kind}_events`, rows.slice(0, 50)); // a redelivery, not merged yet
      before.set(kind, await store.query(`SELECT * FROM ${kind}_events FINAL ORDER BY event_id`));
    }
    rollupsBefore = await store.query(
      'SELECT sli, toString(uniqExactIfMerge(good)) AS good, toString(uniqExactMerge(valid)) AS valid FROM sli_minute GROUP BY sli ORDER BY sli',
    );
    const { applied } = await migrate(store, { retentionDays: 400 });
    expect(applied.slice(0, 2)).toEqual(['0006_events_table', '0007_drop_per_kind_tables']);
    expect(applied).toContain('0009_completeness_and_denial_rollups');
  });
  afterAll(() => store?.close());

  it('carries every event over once, every field intact', async () => {
    for (const kind of KINDS) {
      const old = before.get(kind)!;
      const columns = Object.keys(old[0]!).join(', ');
      const moved = await store.query(`SELECT ${columns} FROM events FINAL WHERE kind = {kind:String} ORDER BY event_id`, { kind });
      expect(moved.length, kind).toBe(old.length);
      expect(moved, kind).toEqual(old);
    }
  });

  it('rebuilds the SLI rollups to the same good and valid counts', async () => {
    const after = await store.query(namedQuery('sli_windows'), {
      froms: ['2026-01-01 00:00:00.000'],
      to: '2027-01-01 00:00:00.000',
      all_tenants: 1,
      tenants: [],
    });
    expect(after.map((r) => ({ sli: r.sli, good: String(r.good), valid: String(r.valid) }))).toEqual(rollupsBefore);
    expect(rollupsBefore).toHaveLength(5);
  });

  it('fills the completeness and denial rollups (0009) from the events already stored', async () => {
    const seqs = await store.query(
      'SELECT emitter_id, toString(groupBitmapMerge(seqs)) AS seqs FROM emitter_minute GROUP BY emitter_id ORDER BY emitter_id',
    );
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(
      await store.query(
        'SELECT emitter_id, toString(uniqExact(emitter_seq)) AS seqs FROM events FINAL WHERE emitter_seq IS NOT NULL GROUP BY emitter_id ORDER BY emitter_id',
      ),
    );
    const [denials] = await store.query<{ n: string }>('SELECT toString(uniqExactMerge(denied)) AS n FROM denial_minute');
    const [raw] = await store.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM events FINAL WHERE kind = 'policy' AND decision = 'deny'",
    );
    expect(Number(raw!.n)).toBeGreaterThan(0);
    expect(denials).toEqual(raw);
  });

  it('fills the principal picker rollup (0010) from the events already stored', async () => {
    const order = 'ORDER BY hour, tenant, principal_id';
    const rollup = await store.query(`SELECT toString(hour) AS hour, tenant, principal_id FROM principal_hour FINAL ${order}`);
    expect(rollup.length).toBeGreaterThan(0);
    expect(rollup).toEqual(
      await store.query(
        `SELECT DISTINCT toString(toStartOfHour(time)) AS hour, tenant, principal_id FROM events WHERE kind = 'auth' AND principal_id != '' ${order}`,
      ),
    );
  });

  it('drops the per-kind tables, keeps access_events readable, and has nothing left to apply', async () => {
    const tables = await store.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE {p:String}',
      {
        p: '%_events',
      },
    );
    expect(tables.map((t) => t.name).sort()).toEqual(['access_events', 'rejected_events']);
    const [viewed] = await store.query<{ n: string }>('SELECT count() AS n FROM access_events');
    expect(Number(viewed!.n)).toBe([...before.values()].reduce((n, rows) => n + rows.length, 0));
    expect((await migrate(store, { retentionDays: 400 })).applied).toEqual([]);
  });
});
