// What every Store implementation must do, run against chDB (store-chdb.test.ts) and against
// ClickHouseServerStore (store-clickhouse.test.ts: CLICKHOUSE_URL's server, else the HTTP stand-in).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchemaByKind, KINDS, normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { EVENTS_TABLE, migrate, rejectedRow, type Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/sql.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { normalizeOptions } from './helpers.js';

export function simulatedEvents(n: number, seed = 11): CanonicalEvent[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z') });
  const out: CanonicalEvent[] = [];
  while (out.length < n) {
    const o = normalizeRecord(sim.next().line, normalizeOptions());
    if (o.status === 'normalized') out.push(o.event);
  }
  return out;
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
      await migrate(store, { retentionDays: 90 });
    });
    afterAll(async () => store?.close());

    it('applies migrations once: a second run applies nothing and the ledger lists them', async () => {
      expect((await migrate(store, { retentionDays: 90 })).applied).toEqual([]);
      const ledger = await store.query<{ name: string }>('SELECT name FROM schema_migrations FINAL ORDER BY version');
      // Every migration of sql/migrations, once, in order (the numbers need not be contiguous).
      expect(ledger.map((m) => m.name)).toEqual(migrations().map((m) => m.name));
      expect(ledger.slice(0, 2).map((m) => m.name)).toEqual(['0001_event_tables', '0002_rejected_events']);
    });

    it('has exactly the columns of the zod schema: every field of every kind, once', async () => {
      const columns = await store.query<{ name: string }>(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {table:String} AND default_kind != 'ALIAS' ORDER BY position",
        { table: EVENTS_TABLE },
      );
      const fields = new Set(KINDS.flatMap((kind) => Object.keys(eventSchemaByKind[kind].shape)));
      expect(fields.size).toBeGreaterThan(40);
      expect(columns.map((c) => c.name).sort()).toEqual([...fields].sort());
    });

    it('stores every kind and reads it back through bound parameters, which cannot inject SQL', async () => {
      const events = simulatedEvents(400);
      await store.insert(EVENTS_TABLE, events);
      const target = events.find((e) => e.kind === 'policy')!;
      const rows = await store.query<{ event_id: string; reasons: string[] }>(
        "SELECT event_id, reasons FROM events FINAL WHERE kind = 'policy' AND tenant = {tenant:String} AND principal_id = {principal:String} AND event_id = {id:String}",
        { tenant: target.tenant, principal: target.principal_id ?? '', id: target.event_id },
      );
      expect(rows).toEqual([{ event_id: target.event_id, reasons: target.kind === 'policy' ? target.reasons : [] }]);
      const injected = await store.query('SELECT count() AS n FROM events WHERE principal_id = {p:String}', { p: "x' OR 1=1 --" });
      expect(injected).toEqual([{ n: expect.anything() }]);
      expect(Number((injected[0] as { n: unknown }).n)).toBe(0);
    });

    it('counts a redelivered event once (ReplacingMergeTree read with FINAL)', async () => {
      const events = simulatedEvents(200, 99).filter((e) => e.kind === 'auth');
      const tenantRows = events.map((e) => ({ ...e, tenant: 'dedup-test' }));
      await store.insert(EVENTS_TABLE, tenantRows);
      await store.insert(EVENTS_TABLE, tenantRows);
      const [final] = await store.query<{ n: string }>("SELECT count() AS n FROM events FINAL WHERE tenant = 'dedup-test'");
      expect(Number(final!.n)).toBe(events.length);
    });

    it('keeps the exact raw bytes of a rejected record, even when they are not UTF-8', async () => {
      const raw = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]);
      await store.insert('rejected_events', [
        rejectedRow({
          reject_id: 'r-bytes',
          received_time: '2026-11-20T10:00:00.000Z',
          door: 'kafka',
          topic: 't',
          partition: 0,
          offset: '5',
          line: null,
          reason: 'not JSON',
          raw,
        }),
      ]);
      const [row] = await store.query<{ h: string; reason: string; raw_size: number }>(
        "SELECT hex(raw) AS h, reason, raw_size FROM rejected_events FINAL WHERE reject_id = 'r-bytes'",
      );
      expect(row).toEqual({ h: raw.toString('hex').toUpperCase(), reason: 'not JSON', raw_size: 5 });
    });

    it('applies the configured retention to every table', async () => {
      await migrate(store, { retentionDays: 45 });
      const tables = await store.query<{ name: string; engine_full: string }>(
        "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'rejected_events', 'sli_minute', 'anomalies')",
      );
      expect(tables).toHaveLength(4);
      for (const t of tables) expect(t.engine_full, t.name).toMatch(/toIntervalDay\(_CAST\(45, 'UInt32'\)\)|toIntervalDay\(45\)/);
    });
  });
}
