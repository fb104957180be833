// npm run bench:detect [-- --baseline N] [--rounds R] [--memory-only]
// Every scenario (twice) injected into at least N baseline events (default 2,000,000), fixed
// seed, through the ingest pipeline on chDB and the scorers; prints detection quality per
// scenario, then the scorers' memory per key with a realistic history (min/median/max over R
// rounds) and one JSON line of the figures. Figures, not assertions.
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { deriveEventId, normalizeRecord, type CanonicalEvent } from '../src/events/index.js';
import { SCENARIOS, type ScenarioWindow } from '../src/simulate/scenarios.js';
import { SCORED_BY } from '../src/detect/evaluate.js';
import { SCORERS } from '../src/detect/scorers.js';
import { runDetection } from '../test/support/detection.js';
import { normalizeOptions, tempDir } from '../test/support/helpers.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string', default: '2000000' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '3' },
    'memory-only': { type: 'boolean', default: false },
  },
});
const START = Date.parse('2026-11-16T06:00:00Z');
const MIN = 60_000;

// Two instances of every scenario, 20 minutes apart, 12 minutes each, from 30 minutes in.
const scenarios: ScenarioWindow[] = [...SCENARIOS, ...SCENARIOS].map((name, i) => ({
  name,
  start: START + (30 + 20 * i) * MIN,
  end: START + (42 + 20 * i) * MIN,
}));

/** Detection quality on the simulator through the pipeline: the table, and its overall figures. */
async function quality(): Promise<Record<string, number | null>> {
  const t0 = Date.now();
  const run = await runDetection({
    seed: Number(values.seed),
    start: START,
    scenarios,
    minBaselineEvents: Number(values.baseline),
    peakRate: 200,
    dataDir: tempDir('bench-detect'),
  });
  const seconds = (Date.now() - t0) / 1000;

  const GRACE = 5 * MIN;
  const pct = (n: number | null) => (n === null ? '—' : n.toFixed(2));
  const secs = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n)} s`);
  const rows = SCENARIOS.map((name) => {
    const results = run.evaluation.scenarios.filter((s) => s.scenario === name);
    const scorer = SCORED_BY[name];
    if (!scorer) return [name, 'SLO alerts', '—', '—', '—', '—', '—'];
    const detected = results.filter((r) => r.detected);
    const ttd = detected.map((r) => r.timeToDetectSeconds!);
    // Precision within the scenario: of the scorer's anomalies raised during its windows, the share that match it.
    const windows = run.labels.filter((l) => l.scenario === name);
    const during = run.anomalies.filter(
      (a) =>
        a.type === scorer &&
        windows.some((w) => Date.parse(a.time) >= Date.parse(w.start) && Date.parse(a.time) <= Date.parse(w.end) + GRACE),
    );
    const matched = results.reduce((s, r) => s + r.matched, 0);
    const kinds = [...new Set(results.flatMap((r) => r.kinds))].join(', ');
    const attributed =
      name === 'policy-misconfig' ? ` (policy@version: ${results.filter((r) => r.attributed).length}/${results.length})` : '';
    return [
      name,
      scorer,
      pct(during.length ? matched / during.length : null),
      pct(detected.length / results.length),
      secs(ttd.length ? median(ttd) : undefined),
      secs(ttd.length ? Math.max(...ttd) : undefined),
      kinds + attributed,
    ];
  });

  console.log(
    `\nbench:detect — seed ${values.seed}, ${run.baselineEvents.toLocaleString('en')} baseline events (${run.events.toLocaleString('en')} in all), every scenario twice, ${seconds.toFixed(0)} s through the pipeline on chDB\n`,
  );
  table(['scenario', 'scorer', 'precision', 'recall', 'median TTD', 'worst TTD', 'kinds raised'], rows);
  const fa = run.evaluation;
  console.log(
    `\nfalse alarms per million baseline events: ${fa.falseAlarmsPerMillionBaseline.toFixed(2)} (token_replay ${fa.byType.token_replay.falsePositives}, denial_burst ${fa.byType.denial_burst.falsePositives})`,
  );
  console.log(
    `precision overall: token_replay ${pct(fa.byType.token_replay.precision)}, denial_burst ${pct(fa.byType.denial_burst.precision)}`,
  );
  console.log(
    `scorer state at the end: ${run.scorers.tokenReplay.size.toLocaleString('en')} credentials, ${run.scorers.denialBurst.size.toLocaleString('en')} denial keys`,
  );
  console.log(
    'SLO alerts: idp-outage, policy-engine-latency, posture-agent-bug and telemetry-loss are caught by the burn-rate alerts (see the alerting end-to-end test), not by these scorers.',
  );
  return {
    false_alarms_per_million: fa.falseAlarmsPerMillionBaseline,
    token_replay_precision: fa.byType.token_replay.precision,
    denial_burst_precision: fa.byType.denial_burst.precision,
  };
}

function table(head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Heap bytes (the JS heap and array buffers, after GC) per key one scorer holds once fed, and its keys. */
function measure(fill: () => { size: number }): [bytes: number, keys: number] {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:detect does)');
  gc();
  gc();
  const before = used();
  const scorer = fill();
  gc();
  gc();
  return [(used() - before) / scorer.size, scorer.size];
}

/** Bytes per key, min/median/max over rounds (each a new scorer, the last one's garbage collected first). */
function bytesPerKey(rounds: number, fill: () => { size: number }): { min: number; median: number; max: number; keys: number } {
  const figures: number[] = [];
  let keys = 0;
  for (let r = 0; r < rounds; r++) [figures[r], keys] = measure(fill);
  return { min: Math.min(...figures), median: median(figures), max: Math.max(...figures), keys };
}

// Realistic, spread-out history: a canonical event of each kind normalized once, then varied
// per event (fresh strings, as a parsed batch has), over hours for tokens and a full
// baseline window of minutes for denials.
const template = (fields: Record<string, unknown>): CanonicalEvent => {
  const o = normalizeRecord(
    JSON.stringify({ tenant: 'acme', emitter_id: 'b', time: '2026-11-20T10:00:00.000Z', ...fields }),
    normalizeOptions(),
  );
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
};
const T = Date.parse('2026-11-20T10:00:00.000Z');
const UAS = Array.from({ length: 40 }, (_, i) => `Mozilla/5.0 (X11; Linux x86_64; rv:1${i}.0) Gecko/20100101 Firefox/1${i}.0`);
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'ES', 'IT', 'NL', 'PL'];
let eventSeq = 0;
const eventId = () => deriveEventId('bench', ++eventSeq);

/** 100,000 tokens of 10,000 principals, each issued then used five times over two hours from its device, network and browser. */
function tokenHistory() {
  const s = SCORERS.token_replay.create();
  const base = template({ kind: 'token', activity: 'issue', token_id: 'x', principal_id: 'p' });
  for (let round = 0; round < 6; round++)
    for (let i = 0; i < 100_000; i++) {
      const p = i % 10_000;
      const time = T + (i % 600) * 1000 + round * 20 * MIN;
      s.observe({
        ...base,
        event_id: eventId(),
        time: new Date(time).toISOString(),
        activity: round === 0 ? 'issue' : 'use',
        token_id: `tok-${i.toString(16).padStart(12, '0')}-${(i * 7919).toString(36)}`,
        principal_id: `user${p}@acme.example`,
        device_id: `dev-${p}-${i % 3}`,
        src_ip: `81.${p % 250}.${p % 97}.${1 + (i % 200)}`,
        geo_country: COUNTRIES[p % COUNTRIES.length],
        user_agent: UAS[p % UAS.length],
        app: `app${i % 300}`,
        expires_at: new Date(T + 3 * 3600_000).toISOString(),
      } as CanonicalEvent);
    }
  return s;
}

/** 6,000 principals denied once a minute for 31 minutes (a full baseline window): their keys, 750 networks, 60 policy versions, 300 apps, 10 tenants. */
function denialHistory() {
  const s = SCORERS.denial_burst.create();
  const auth = template({ kind: 'auth', outcome: 'failure', principal_id: 'p', auth_method: 'password' });
  const policy = template({ kind: 'policy', decision: 'deny', principal_id: 'p', policy_id: 'x', policy_version: 'v1' });
  for (let minute = 0; minute <= 30; minute++)
    for (let p = 0; p < 6_000; p++) {
      const time = new Date(T + minute * MIN + (p % 60) * 1000).toISOString();
      const shared = {
        event_id: eventId(),
        time,
        tenant: `tenant${p % 10}`,
        principal_id: `user${p}@acme.example`,
        src_ip: `81.${p % 250}.${p % 6}.${1 + (minute % 200)}`,
        app: `app${p % 300}`,
      };
      s.observe(
        (p + minute) % 2 === 0
          ? ({ ...auth, ...shared } as CanonicalEvent)
          : ({ ...policy, ...shared, policy_id: `ztna/app${p % 60}/allow`, policy_version: `v${p % 2}` } as CanonicalEvent),
      );
    }
  return s;
}

const figures = values['memory-only'] ? {} : await quality();
const rounds = Number(values.rounds);
const replay = bytesPerKey(rounds, tokenHistory);
const burst = bytesPerKey(rounds, denialHistory);
const b = (n: number) => `${Math.round(n)} B`;
console.log(`\nscorer memory per key (JS heap + array buffers after GC, divided by keys held; ${rounds} rounds):`);
table(
  ['scorer', 'keys', 'history', 'min', 'median', 'max'],
  [
    ['token_replay', replay.keys.toLocaleString('en'), 'issued, used 5 times over 2 h', b(replay.min), b(replay.median), b(replay.max)],
    ['denial_burst', burst.keys.toLocaleString('en'), 'a denial every minute for 31 min', b(burst.min), b(burst.median), b(burst.max)],
  ],
);
console.log(
  JSON.stringify({
    bench: 'detect',
    seed: Number(values.seed),
    ...figures,
    bytes_per_key: { token_replay: Math.round(replay.median), denial_burst: Math.round(burst.median) },
    bytes_per_key_min_max: { token_replay: [replay.min, replay.max].map(Math.round), denial_burst: [burst.min, burst.max].map(Math.round) },
  }),
);
