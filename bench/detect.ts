// npm run bench:detect [-- --baseline N]
// Every scenario (twice) injected into at least N baseline events (default 2,000,000), fixed
// seed, through the ingest pipeline on chDB and the scorers; prints detection quality per
// scenario and the scorers' memory per active key. Figures, not assertions.
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { normalizeRecord, type CanonicalEvent } from '../src/events/index.js';
import { SCENARIOS, type ScenarioWindow } from '../src/simulate/scenarios.js';
import { SCORED_BY } from '../src/detect/evaluate.js';
import { SCORERS } from '../src/detect/scorers.js';
import { runDetection } from '../test/support/detection.js';
import { normalizeOptions, tempDir } from '../test/support/helpers.js';

const { values } = parseArgs({ options: { baseline: { type: 'string', default: '2000000' }, seed: { type: 'string', default: '42' } } });
const START = Date.parse('2026-11-16T06:00:00Z');
const MIN = 60_000;

// Two instances of every scenario, 20 minutes apart, 12 minutes each, from 30 minutes in.
const scenarios: ScenarioWindow[] = [...SCENARIOS, ...SCENARIOS].map((name, i) => ({
  name,
  start: START + (30 + 20 * i) * MIN,
  end: START + (42 + 20 * i) * MIN,
}));

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

function table(head: string[], body: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}

/** Heap bytes per key a scorer holds, from filling it with N distinct keys. */
function bytesPerKey(fill: (n: number) => { size: number }): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  const scorer = fill(100_000);
  gc();
  const after = process.memoryUsage().heapUsed;
  return (after - before) / scorer.size;
}
const options = { ...normalizeOptions() };
const event = (fields: Record<string, unknown>): CanonicalEvent => {
  const o = normalizeRecord(JSON.stringify({ tenant: 'acme', emitter_id: 'b', time: '2026-11-20T10:00:00.000Z', ...fields }), options);
  if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
  return o.event;
};
const replayBytes = bytesPerKey((n) => {
  const s = SCORERS.token_replay.create();
  for (let i = 0; i < n; i++)
    s.observe(
      event({
        kind: 'token',
        activity: 'issue',
        token_id: `jti-${i}`,
        principal_id: `user${i}@acme.example`,
        device_id: `dev-${i}`,
        src_ip: `81.${i % 250}.${i % 199}.7`,
        geo_country: 'FR',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
        expires_at: '2026-11-20T11:00:00.000Z',
      }),
    );
  return s;
});
const burstBytes = bytesPerKey((n) => {
  const s = SCORERS.denial_burst.create();
  for (let i = 0; i < n / 5; i++)
    s.observe(
      event({
        kind: 'auth',
        outcome: 'failure',
        principal_id: `user${i}@acme.example`,
        src_ip: `81.${i % 250}.${i % 199}.7`,
        app: `app${i % 1000}`,
      }),
    );
  return s;
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
  `scorer memory per active key: token replay ${Number.isNaN(replayBytes) ? 'n/a (run with --expose-gc)' : `${Math.round(replayBytes)} B`}, denial burst ${Number.isNaN(burstBytes) ? 'n/a' : `${Math.round(burstBytes)} B`}`,
);
console.log(
  'SLO alerts: idp-outage, policy-engine-latency, posture-agent-bug and telemetry-loss are caught by the burn-rate alerts (see the alerting end-to-end test), not by these scorers.',
);
