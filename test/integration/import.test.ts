// `ztna import`: NDJSON history (a plain file, a gzip file and standard input at once) through the
// pipeline into chDB, with small batches so the import spans many of them. Every event is stored
// once, every malformed line is dead-lettered with its file, line and bytes, the JSON summary
// counts exactly what the simulator's ground truth says, and importing again stores nothing twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TrafficSimulator, type SimulatedRecord } from '../../src/simulate/traffic.js';
import { HMAC_KEY, runCli, tempDir } from '../support/helpers.js';
import { queryCount, readStore } from '../support/store.js';
import { expectedFromTruth, keyDifference, storedEventKeys } from '../support/truth.js';
import { KINDS } from '../../src/events/index.js';

function simulate(n: number, seed: number): SimulatedRecord[] {
  const sim = new TrafficSimulator({ seed, start: Date.parse('2026-11-20T09:00:00Z'), invalidShare: 0.02, notAccessShare: 0.01 });
  return Array.from({ length: n }, () => sim.next());
}

const ndjson = (records: readonly SimulatedRecord[]) => records.map((r) => r.line).join('\n') + '\n';

describe('ztna import', () => {
  it('imports plain, gzip and standard input through the pipeline: each event once, each bad line dead-lettered with its place, counted exactly', async () => {
    const dir = tempDir('import');
    const [plain, gzipped, piped] = [simulate(3000, 51), simulate(3000, 52), simulate(1500, 53)];
    writeFileSync(join(dir, 'okta-2026-11.ndjson'), ndjson(plain));
    writeFileSync(join(dir, 'entra-2026-11.ndjson.gz'), gzipSync(ndjson(gzipped)));
    const env = {
      ZTNA_DATA_DIR: join(dir, 'data'),
      ZTNA_HMAC_KEY: HMAC_KEY,
      ZTNA_BATCH_MAX_RECORDS: '700',
      KAFKA_BROKERS: '',
      CLICKHOUSE_URL: '',
      LOG_LEVEL: 'warn',
    };
    const args = ['import', join(dir, 'okta-2026-11.ndjson'), join(dir, 'entra-2026-11.ndjson.gz'), '-'];

    const first = await runCli(args, { stdin: ndjson(piped), env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const all = [...plain, ...gzipped, ...piped];
    const expected = expectedFromTruth(all);
    const events = KINDS.reduce((sum, kind) => sum + expected.events[kind].length, 0);
    expect(events).toBeGreaterThan(6000);
    expect(expected.invalid.length).toBeGreaterThan(50);
    expect(JSON.parse(first.stdout)).toMatchObject({
      files: 3,
      read: all.length,
      stored: events,
      skipped: expected.notAccess,
      rejected: expected.invalid.length,
    });

    await readStore(env.ZTNA_DATA_DIR, async (store) => {
      const stored = await storedEventKeys(store);
      for (const kind of KINDS) expect(keyDifference(stored[kind], expected.events[kind]), kind).toEqual({ missing: [], extra: [] });
      // Each malformed line, with the file it came from and its line number there.
      const letters = await store.query<{ topic: string; line: number; raw: string }>(
        'SELECT topic, line, raw FROM rejected_events FINAL ORDER BY topic, line',
      );
      const place = (file: string, records: readonly SimulatedRecord[]) =>
        records.flatMap((r, i) => (r.type === 'invalid' ? [{ topic: file, line: i + 1, raw: r.line }] : []));
      const expectedLetters = [
        ...place(join(dir, 'entra-2026-11.ndjson.gz'), gzipped),
        ...place(join(dir, 'okta-2026-11.ndjson'), plain),
        ...place('stdin', piped),
      ].sort((a, b) => a.topic.localeCompare(b.topic) || a.line - b.line);
      expect(letters.map((l) => ({ ...l, line: Number(l.line) }))).toEqual(expectedLetters);
    });

    // Importing the same history again stores nothing twice.
    const again = await runCli(args, { stdin: ndjson(piped), env });
    expect(again.code).toBe(0);
    await readStore(env.ZTNA_DATA_DIR, async (store) => {
      expect(await queryCount(store, "SELECT count() AS n FROM events FINAL WHERE kind = 'auth'")).toBe(expected.events.auth.length);
      expect(await queryCount(store, 'SELECT count() AS n FROM rejected_events FINAL')).toBe(expected.invalid.length);
    });
  });

  it('names a file it cannot read to its end (a truncated gzip), exits 1, and keeps what was read before', async () => {
    const dir = tempDir('import-corrupt');
    const whole = gzipSync(ndjson(simulate(2000, 54)));
    writeFileSync(join(dir, 'cut.ndjson.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    const result = await runCli(['import', join(dir, 'cut.ndjson.gz')], {
      env: { ZTNA_DATA_DIR: join(dir, 'data'), ZTNA_HMAC_KEY: HMAC_KEY, KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^ztna import: ${join(dir, 'cut.ndjson.gz')}: unexpected end of file \\(what was read before it is stored\\)`),
    );
  });

  it('refuses a missing file with a clear message and exit code 2, storing nothing', async () => {
    const dir = tempDir('import-missing');
    const result = await runCli(['import', join(dir, 'nope.ndjson')], {
      env: { ZTNA_DATA_DIR: join(dir, 'data'), KAFKA_BROKERS: '', CLICKHOUSE_URL: '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no such file: ${join(dir, 'nope.ndjson')}`);
  });
});
