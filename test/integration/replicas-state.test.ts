// Scorer state on a rebalance (issue 14, item 2), on chDB: one replica scores the keyed messages
// of the first half of the records and stops; the replica that gains its partitions rebuilds the
// state from the stored events and anomalies, then scores the second half. Together they raise
// what one replica raises on everything, once; a cold replica (no rebuild) misses what needs the
// first half. Losing partitions drops exactly the keys they hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { compactEvent, credentialRouteKey, KeyedScoring, keyedMessages, partitionOf, type KeyedMessage } from '../../src/detect/keyed.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { slotScorers } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { readRaisedAnomalies, readScorerWindow } from '../../src/sinks/keyed.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import { parseScenarios } from '../../src/simulate/scenarios.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import type { ChdbStore } from '../../src/store/index.js';
import { normalizeOptions, tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const PARTITIONS = 8;
const ALL = new Set(Array.from({ length: PARTITIONS }, (_, p) => p));

const ids = (anomalies: readonly Anomaly[]) => [...new Set(anomalies.map((a) => `${a.type} ${a.tenant} ${a.key} ${a.anomaly_id}`))].sort();
const messagesOf = (events: readonly CanonicalEvent[]): KeyedMessage[] => events.flatMap((e) => keyedMessages(e).map((m) => m.message));

describe('keyed scorer state dropped and rebuilt per partition', () => {
  const start = Math.floor((Date.now() - 70 * 60_000) / 60_000) * 60_000;
  // The first replay's issue and legitimate uses before the split, its replayed uses after; a brute force across it.
  const sim = new TrafficSimulator({
    seed: 21,
    start,
    peakRate: 6,
    scenarios: parseScenarios('token-replay@20m+12m,brute-force@23m+6m,password-spray@40m+5m', start),
  });
  const split = start + 26 * 60_000;
  const records: string[] = [];
  while (sim.time < start + 55 * 60_000) records.push(sim.next().line);
  const events = records.flatMap((line) => {
    const outcome = normalizeRecord(line, normalizeOptions());
    return outcome.status === 'normalized' ? [outcome.event] : [];
  });
  const first = events.filter((e) => Date.parse(e.time) < split);
  const second = events.filter((e) => Date.parse(e.time) >= split);
  let store: ChdbStore;

  beforeAll(async () => {
    store = await migratedStore(tempDir('replicas-state'));
  });
  afterAll(async () => {
    await store?.close();
  });

  it('raises, across a handover with a rebuild, what one replica raises on everything, once', async () => {
    const alone = new KeyedScoring(createScorers(), PARTITIONS).score(messagesOf(events)).anomalies;
    // Both replayed tokens, one incident's (the second joins the first's).
    const replays = alone.flatMap((a) => [a, ...(a.evidence.related ?? [])]).filter((f) => f.type === 'token_replay');
    expect(new Set(replays.map((f) => f.key)).size).toBeGreaterThanOrEqual(2);

    // The first holder stores and scores the first half, and its anomalies reach the store.
    const pipeline = new IngestPipeline(store, pipelineOptions());
    await pipeline.processBatch(
      records
        .slice(0, first.length + 200)
        .map((line, i) => ({ value: Buffer.from(line), origin: { door: 'simulator', offset: String(i) } })),
    );
    const before = new KeyedScoring(createScorers(), PARTITIONS).score(messagesOf(first)).anomalies;
    await new StoreAnomalySink(store).publish(before);

    // The next holder gains every partition: state from the store, then the second half.
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 120 * 60_000);
    const next = new KeyedScoring(createScorers(), PARTITIONS);
    const replayed = next.rebuild(await readScorerWindow(store, from, to), await readRaisedAnomalies(store, from, to), ALL);
    const after = next.score(messagesOf(second)).anomalies;

    const handedOver = [...before, ...replayed, ...after];
    expect(ids(handedOver)).toEqual(ids(alone));
    // Nothing the first holder raised is raised again by the next one, but for an incident another anomaly joined
    // (published again under its id, with more related anomalies than before).
    const related = (a: Anomaly) => a.evidence.related?.length ?? 0;
    for (const again of [...replayed, ...after].filter((a) => before.some((b) => b.anomaly_id === a.anomaly_id)))
      expect(related(again), again.key).toBeGreaterThan(Math.max(...before.filter((b) => b.anomaly_id === again.anomaly_id).map(related)));

    // A cold replica misses what needs the first half: the replayed token's issue, the brute force's counts.
    const cold = new KeyedScoring(createScorers(), PARTITIONS).score(messagesOf(second)).anomalies;
    expect(ids([...before, ...cold])).not.toEqual(ids(alone));
  });

  it('does not raise again what the store holds joined to an incident whose own key lives in another partition', async () => {
    await new IngestPipeline(store, pipelineOptions()).processBatch(
      records.map((line, i) => ({ value: Buffer.from(line), origin: { door: 'simulator', offset: String(i) } })),
    );
    const raised = new KeyedScoring(createScorers(), PARTITIONS).score(messagesOf(events)).anomalies;
    await new StoreAnomalySink(store).publish(raised);
    // The brute force's network burst joins its principal's incident (or the other way): a related anomaly of another partition.
    const routeOf = (a: Pick<Anomaly, 'type' | 'tenant' | 'key'>) =>
      partitionOf(a.type === 'denial_burst' ? `${a.tenant}/${a.key}` : credentialRouteKey(a.key, a.tenant, undefined), PARTITIONS);
    const joined = raised.flatMap((a) =>
      (a.evidence.related ?? [])
        .filter((r) => r.type === 'denial_burst' && routeOf({ ...r, tenant: a.tenant }) !== routeOf(a))
        .map((r) => ({ ...r, tenant: a.tenant })),
    );
    expect(joined.length).toBeGreaterThan(0);
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 120 * 60_000);
    for (const r of joined) {
      const next = new KeyedScoring(createScorers(), PARTITIONS);
      const again = next.rebuild(
        await readScorerWindow(store, from, to),
        await readRaisedAnomalies(store, from, to),
        new Set([routeOf(r)]),
      );
      expect(again.filter((a) => a.type === r.type && a.key === r.key).map((a) => `${a.key} ${a.time}`)).toEqual([]);
    }
  });

  it('replays each stored event with every field the keyed scorers read, as a live keyed message carries it', async () => {
    await new IngestPipeline(store, pipelineOptions()).processBatch(
      records.map((line, i) => ({ value: Buffer.from(line), origin: { door: 'simulator', offset: String(i) } })),
    );
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 120 * 60_000);
    const replayed = new Map((await readScorerWindow(store, from, to)).map((e) => [e.event_id, e]));
    for (const event of events) expect(replayed.get(event.event_id), event.event_id).toEqual(compactEvent(event));
    // Among them the denials for posture alone, which the denial-burst scorer tells by their reasons.
    expect(events.some((e) => e.kind === 'policy' && e.decision === 'deny' && e.reasons.length > 0)).toBe(true);
  });

  it("judges a token used now against its issue and revocation hours before the rebuild's window", async () => {
    const now = Date.now();
    const hoursAgo = (h: number) => new Date(now - h * 3600_000).toISOString();
    let seq = 0;
    const token = (activity: string, time: string, src_ip: string) => ({
      kind: 'token',
      activity,
      token_id: 'tok-long-ago',
      principal_id: 'ann@acme.example',
      tenant: 'acme',
      emitter_id: 'idp-history',
      emitter_seq: ++seq,
      time,
      src_ip,
      device_id: 'laptop-ann',
    });
    // Issued 5 hours ago, revoked 3 hours ago: both older than a one-hour rebuild window.
    const lifecycle = [token('issue', hoursAgo(5), '81.2.69.10'), token('revoke', hoursAgo(3), '81.2.69.10')];
    const result = await new IngestPipeline(store, pipelineOptions()).processBatch(
      lifecycle.map((e, i) => ({ value: Buffer.from(JSON.stringify(e)), origin: { door: 'simulator', offset: String(i) } })),
    );
    expect(result.rejects).toEqual([]);
    const use = normalizeRecord(JSON.stringify(token('use', new Date(now).toISOString(), '203.0.113.9')), normalizeOptions());
    if (use.status !== 'normalized') throw new Error('the use did not normalize');

    const to = new Date(now + 60_000);
    const from = new Date(to.getTime() - 60 * 60_000);
    const rebuiltWith = async (history: CanonicalEvent[]) => {
      const next = new KeyedScoring(createScorers(), PARTITIONS);
      next.rebuild(await readScorerWindow(store, from, to), [], ALL, history);
      return next.score(messagesOf([use.event])).anomalies.filter((a) => a.key === 'token:tok-long-ago');
    };
    const history = await readScorerWindow(store, new Date(to.getTime() - 24 * 3600_000), from, { credentialsOnly: true });
    const lifecycleOf = history.flatMap((e) => (e.kind === 'token' && e.token_id === 'tok-long-ago' ? [e.activity] : []));
    expect(lifecycleOf).toEqual(['issue', 'revoke']);
    // Only tokens' lifecycle: the simulated traffic's uses, logins and decisions stay out.
    expect(history.every((e) => e.kind === 'token' && e.activity !== 'use' && e.activity !== 'introspect')).toBe(true);

    const [replay] = await rebuiltWith(history);
    expect(replay?.kind).toBe('revoked-token-use');
    // Rebuilt from the window alone, the replica had never heard of the token.
    expect(await rebuiltWith([])).toEqual([]);
  });

  it('drops the keys of the partitions lost and keeps the others', () => {
    const scoring = new KeyedScoring(createScorers(), PARTITIONS);
    scoring.score(messagesOf(events));
    const s = scoring.scorers;
    const keys = () => s.tokenReplay.size + s.denialBurst.size + slotScorers(s).reduce((n, [, held]) => n + held.size, 0);
    const before = keys();
    const lost = new Set([0, 1, 2, 3]);
    const dropped = scoring.drop(lost);
    expect(dropped).toBeGreaterThan(0);
    expect(keys()).toBe(before - dropped);
    // What is left lives in the partitions kept: dropping them too leaves nothing.
    scoring.drop(new Set([4, 5, 6, 7]));
    expect(keys()).toBe(0);
    expect(partitionOf(credentialRouteKey('token:x', 'acme', undefined), PARTITIONS)).toBe(partitionOf('acme/token:x', PARTITIONS));
  });
});
