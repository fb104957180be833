// Telemetry completeness with several replicas (issue 14, item 3): an emitter's records are spread
// over source partitions and replicas, so no replica sees its whole sequence; the keyed route
// (`emitter:<id>`) brings the sequence to the one replica that holds that key's partition. Each
// replica exports its own counters and the rules sum them: the sums must be what one process
// counts on every record, the real losses counted, and no gap counted that another replica filled.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { keyedMessages, partitionOf } from '../../src/detect/keyed.js';
import { registerSliMetrics } from '../../src/sli/metrics.js';
import { SliProcessor } from '../../src/sli/processor.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { Rng } from '../../src/simulate/rng.js';
import { normalizeOptions } from '../support/helpers.js';

const KEYED_PARTITIONS = 8;
const SLI_OPTIONS = { labelCap: 1000, reorderWindowMs: 60_000, restartMaxSeq: 10 } as const;

/** Simulated events in emitter order, some lost on the way (`lost` of them, never delivered; the simulator's own gaps besides). */
function simulatedEvents(n: number, loseEvery: number): { events: CanonicalEvent[]; lost: number } {
  const sim = new TrafficSimulator({ seed: 3, start: Date.parse('2026-11-20T09:00:00Z'), peakRate: 40 });
  const events: CanonicalEvent[] = [];
  let lost = 0;
  for (let i = 0; events.length + lost < n; i++) {
    const outcome = normalizeRecord(sim.next().line, normalizeOptions());
    if (outcome.status !== 'normalized') continue;
    if (outcome.event.emitter_seq !== undefined && i % loseEvery === loseEvery - 1) lost++;
    else events.push(outcome.event);
  }
  return { events, lost };
}

/** The order records arrive in when keyed at random over four source partitions and read a batch of each in turn. */
function spreadArrival(events: readonly CanonicalEvent[], seed: number): CanonicalEvent[] {
  const prng = new Rng(seed);
  const partitions: CanonicalEvent[][] = [[], [], [], []];
  for (const e of events) partitions[Math.floor(prng.next() * 4)]!.push(e);
  const out: CanonicalEvent[] = [];
  for (let at = 0; partitions.some((p) => at < p.length); at += 200) for (const p of partitions) out.push(...p.slice(at, at + 200));
  return out;
}

class Replica {
  readonly registry = new Registry();
  readonly sli = new SliProcessor(registerSliMetrics(this.registry), { ...SLI_OPTIONS, only: 'completeness' });

  async completeness(): Promise<{ good: number; valid: number }> {
    const sum = async (name: string) =>
      (await this.registry.getSingleMetric(name)!.get()).values
        .filter((v) => v.labels.sli === 'telemetry_completeness')
        .reduce((s, v) => s + v.value, 0);
    return { good: await sum('ztna_sli_good_events_total'), valid: await sum('ztna_sli_valid_events_total') };
  }
}

/** Each replica processes, batch by batch, the events a router hands it. */
function run(replicas: readonly Replica[], arrival: readonly CanonicalEvent[], route: (e: CanonicalEvent) => number | undefined): void {
  for (let at = 0; at < arrival.length; at += 500) {
    const batches = replicas.map((): CanonicalEvent[] => []);
    for (const e of arrival.slice(at, at + 500)) {
      const r = route(e);
      if (r !== undefined) batches[r]!.push(e);
    }
    replicas.forEach((replica, i) => replica.sli.process(batches[i]!));
  }
}

async function summed(replicas: readonly Replica[]): Promise<{ good: number; valid: number }> {
  const all = await Promise.all(replicas.map((r) => r.completeness()));
  return { good: all.reduce((s, c) => s + c.good, 0), valid: all.reduce((s, c) => s + c.valid, 0) };
}

/** The replica holding an event's emitter key: partitions 0-2, 3-5 and 6-7 to three replicas. */
const keyedReplica = (e: CanonicalEvent): number | undefined => {
  const emitter = keyedMessages(e).find((m) => m.message.route === 'c');
  return emitter && Math.min(2, Math.floor(partitionOf(emitter.key, KEYED_PARTITIONS) / 3));
};

describe('telemetry completeness over replicas', () => {
  const { events, lost } = simulatedEvents(30_000, 97);
  const sequenced = events.filter((e) => e.emitter_seq !== undefined);
  const arrival = spreadArrival(events, 7);

  it('sums to what one process counts on the same records, the lost ones among them', async () => {
    expect(new Set(sequenced.map((e) => e.emitter_id)).size).toBeGreaterThan(3);
    expect(lost).toBeGreaterThan(100);
    const one = new Replica();
    run([one], arrival, () => 0);
    const replicas = [new Replica(), new Replica(), new Replica()];
    run(replicas, arrival, keyedReplica);
    // Every replica holds some emitters: the sequences really were spread.
    for (const r of replicas) expect((await r.completeness()).valid).toBeGreaterThan(0);
    const total = await summed(replicas);
    expect(total).toEqual(await one.completeness());
    // Every delivered number is good but the very few that reached the process after their gap had
    // aged past the reorder window (the spread arrival is that late at times; one process counts
    // them alike, above).
    expect(sequenced.length - total.good).toBeGreaterThanOrEqual(0);
    expect(sequenced.length - total.good).toBeLessThanOrEqual(sequenced.length / 1000);
    // The real losses are among those counted (what reordering beyond the window adds, one process counts too).
    expect(total.valid - total.good).toBeGreaterThanOrEqual(lost * 0.9);
  });

  it('counts false losses when an emitter is split without the keyed route (what the route prevents)', async () => {
    const replicas = [new Replica(), new Replica(), new Replica()];
    let next = 0;
    run(replicas, arrival, () => next++ % 3);
    const total = await summed(replicas);
    const inOrder = new Replica();
    run([inOrder], events, () => 0);
    const truth = await inOrder.completeness();
    expect(total.valid - total.good).toBeGreaterThan(10 * (truth.valid - truth.good));
  });
});
