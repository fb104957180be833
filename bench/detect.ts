// npm run bench:detect [-- --baseline N] [--rate R] [--rounds R] [--memory-only]
// Every scenario (twice, then once told by each vendor it declares: `brute-force/auth0` …)
// injected into at least N baseline events (default 2,000,000), fixed seed, through the ingest
// pipeline on chDB and the scorers; prints detection quality per scenario and vendor form, then
// the scorers' memory per key with a realistic history (min/median/max over R rounds) and one
// JSON line of the figures. Figures, not assertions.
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { deriveEventId, normalizeRecord, type CanonicalEvent } from '../src/events/index.js';
import { SCENARIOS, shapesOf, type ScenarioLabel, type ScenarioWindow } from '../src/simulate/scenarios.js';
import { latestById, SCORED_BY } from '../src/detect/evaluate.js';
import { slotScorers } from '../src/detect/processor.js';
import { SCORERS } from '../src/detect/scorers.js';
import { runDetection } from '../test/support/detection.js';
import { normalizeOptions, tempDir } from '../test/support/helpers.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string', default: '2000000' },
    seed: { type: 'string', default: '42' },
    /** Baseline events per simulated second at the daily peak: the scenarios' windows fix the simulated span. */
    rate: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    'memory-only': { type: 'boolean', default: false },
  },
});
const START = Date.parse('2026-11-16T06:00:00Z');
const MIN = 60_000;

// Two instances of every scenario, then one of each vendor form, 20 minutes apart, 12 minutes
// each, from 30 minutes in.
const twice = [...SCENARIOS, ...SCENARIOS].map((name) => ({ name }));
const vendorForms = SCENARIOS.flatMap((name) => shapesOf(name).map((shape) => ({ name, shape })));
const scenarios: ScenarioWindow[] = [...twice, ...vendorForms].map((form, i) => ({
  ...form,
  start: START + (30 + 20 * i) * MIN,
  end: START + (42 + 20 * i) * MIN,
}));
/** A scenario as injected: its name, and the vendor its logins were told by. */
const formOf = (label: ScenarioLabel) => (label.shape ? `${label.scenario}/${label.shape}` : label.scenario);
/** The table's rows: each scenario, then its vendor forms. */
const FORMS = SCENARIOS.flatMap((name) => [name, ...shapesOf(name).map((shape) => `${name}/${shape}`)]);

/** Detection quality on the simulator through the pipeline: the table, and its overall figures. */
async function quality(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const run = await runDetection({
    seed: Number(values.seed),
    start: START,
    scenarios,
    minBaselineEvents: Number(values.baseline),
    peakRate: Number(values.rate),
    dataDir: tempDir('bench-detect'),
  });
  const seconds = (Date.now() - t0) / 1000;

  const GRACE = 5 * MIN;
  const pct = (n: number | null) => (n === null ? '—' : n.toFixed(2));
  const secs = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n)} s`);
  // Each anomaly as last published (an incident joined by others is published again), and what it stands for.
  const records = latestById(run.anomalies);
  const facets = (a: (typeof records)[number]) => [a, ...(a.evidence.related ?? [])];
  const perScenario: Record<string, { precision: number | null; recall: number; median_ttd_s: number | null; worst_ttd_s: number | null }> =
    {};
  const rows = FORMS.map((form) => {
    // The evaluation's results are the labels', in their order.
    const results = run.evaluation.scenarios.filter((_, i) => formOf(run.labels[i]!) === form);
    const name = results[0]!.scenario;
    const scorer = SCORED_BY[name];
    if (!scorer) return [form, 'SLO alerts', '—', '—', '—', '—', '—'];
    const detected = results.filter((r) => r.detected);
    const ttd = detected.map((r) => r.timeToDetectSeconds!);
    // Precision within the form: of the scorer's anomalies raised during its windows, the share that match it.
    const windows = run.labels.filter((l) => formOf(l) === form);
    const during = records.filter((a) =>
      facets(a).some(
        (f) =>
          f.type === scorer &&
          windows.some((w) => Date.parse(f.time) >= Date.parse(w.start) && Date.parse(f.time) <= Date.parse(w.end) + GRACE),
      ),
    );
    const matched = results.reduce((s, r) => s + r.matched, 0);
    perScenario[form] = {
      precision: during.length ? matched / during.length : null,
      recall: detected.length / results.length,
      median_ttd_s: ttd.length ? median(ttd) : null,
      worst_ttd_s: ttd.length ? Math.max(...ttd) : null,
    };
    const kinds = [...new Set(results.flatMap((r) => r.kinds))].join(', ');
    const attributed =
      name === 'policy-misconfig' ? ` (policy@version: ${results.filter((r) => r.attributed).length}/${results.length})` : '';
    return [
      form,
      scorer,
      pct(during.length ? matched / during.length : null),
      pct(detected.length / results.length),
      secs(ttd.length ? median(ttd) : undefined),
      secs(ttd.length ? Math.max(...ttd) : undefined),
      kinds + attributed,
    ];
  });

  console.log(
    `\nbench:detect — seed ${values.seed}, ${run.baselineEvents.toLocaleString('en')} baseline events (${run.events.toLocaleString('en')} in all), every scenario twice and once told by each vendor it declares, ${seconds.toFixed(0)} s through the pipeline on chDB\n`,
  );
  table(['scenario', 'scorer', 'precision', 'recall', 'median TTD', 'worst TTD', 'kinds raised'], rows);
  const fa = run.evaluation;
  const types = Object.keys(SCORERS) as Array<keyof typeof SCORERS>;
  console.log(
    `\nincidents published: ${records.length} (${run.anomalies.length} publications; an incident joined by another anomaly is published again under its id)`,
  );
  console.log(
    `false alarms per million baseline events: ${fa.falseAlarmsPerMillionBaseline.toFixed(2)} (${types
      .filter((t) => t !== 'new_context')
      .map((t) => `${t} ${fa.byType[t].falsePositives}`)
      .join(', ')})`,
  );
  for (const a of fa.falseAlarms)
    console.log(
      `  ${a.time} ${a.type} ${a.kind} ${a.key} (tenant ${a.tenant}, score ${a.score.toFixed(1)}${
        a.evidence.related?.length ? `, with ${a.evidence.related.map((r) => r.key).join(' ')}` : ''
      }; scenarios then: ${
        run.labels
          .filter((l) => Math.abs(Date.parse(l.start) - Date.parse(a.time)) < 20 * MIN)
          .map((l) => `${formOf(l)} ${l.start.slice(11, 16)}–${l.end.slice(11, 16)} ${l.tenant}`)
          .join(', ') || 'none'
      })`,
    );
  console.log(
    `new-device/new-country signals matching no scenario (low, not alerts): ${fa.unlabeledSignalsPerMillionBaseline.toFixed(2)} per million baseline events (${fa.byType.new_context.falsePositives})`,
  );
  console.log(`precision overall by the record's type: ${types.map((t) => `${t} ${pct(fa.byType[t].precision)}`).join(', ')}`);
  console.log(
    `scorer state at the end: ${run.scorers.tokenReplay.size.toLocaleString('en')} credentials, ${run.scorers.denialBurst.size.toLocaleString('en')} denial keys, ${slotScorers(
      run.scorers,
    )
      .map(([t, keys]) => `${keys.size.toLocaleString('en')} ${t} keys`)
      .join(', ')}`,
  );
  console.log(
    'SLO alerts: idp-outage, policy-engine-latency, posture-agent-bug and telemetry-loss are caught by the burn-rate alerts (see the alerting end-to-end test), not by these scorers.',
  );
  return {
    false_alarms_per_million: fa.falseAlarmsPerMillionBaseline,
    unlabeled_signals_per_million: fa.unlabeledSignalsPerMillionBaseline,
    token_replay_precision: fa.byType.token_replay.precision,
    denial_burst_precision: fa.byType.denial_burst.precision,
    scenarios: perScenario,
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

/**
 * The detections' keys with their state full: 20,000 source networks each tried for 32 users
 * (stuffing), 20,000 principals with 8 denied pushes (fatigue), 50,000 sessions signed in and used
 * (hijack), 50,000 principals signed in from two countries (travel), 50,000 devices with a failed
 * report (non-compliant), 20,000 principals with 4 devices (new context). Each scorer's keys, measured.
 */
function detectionHistories(): Record<string, () => { size: number }> {
  const auth = template({ kind: 'auth', outcome: 'failure', principal_id: 'p', auth_method: 'push' });
  const policy = template({ kind: 'policy', decision: 'allow', principal_id: 'p', policy_id: 'x', policy_version: 'v1' });
  const success = template({ kind: 'auth', outcome: 'success', principal_id: 'p', auth_method: 'password' });
  const posture = template({
    kind: 'posture',
    compliant: false,
    principal_id: 'p',
    device_id: 'd',
    checks: [{ name: 'firewall', passed: false }],
  });
  const at = (m: number) => new Date(T + m * MIN).toISOString();
  const ev = (base: CanonicalEvent, fields: Record<string, unknown>) => ({ ...base, event_id: eventId(), ...fields }) as CanonicalEvent;
  const keysOf = <S extends { keys: { size: number } }>(s: S) => s.keys;
  return {
    credential_stuffing: () => {
      const s = SCORERS.credential_stuffing.create({ maxTriesPerUser: 0 }); // never raised: each user's first try is past 0;
      for (let u = 0; u < 32; u++)
        for (let n = 0; n < 20_000; n++)
          s.observe(
            ev(auth, {
              time: at(u / 8),
              principal_id: `user${u}-${n}@acme.example`,
              src_ip: `45.${n >> 8}.${n & 255}.${1 + u}`,
              auth_method: 'password',
            }),
          );
      return keysOf(s);
    },
    mfa_fatigue: () => {
      const s = SCORERS.mfa_fatigue.create({ windowMs: 1 }); // never raised: no two pushes in one window;
      for (let k = 0; k < 8; k++)
        for (let p = 0; p < 20_000; p++)
          s.observe(ev(auth, { time: at(k), principal_id: `user${p}@acme.example`, src_ip: `81.${p >> 8}.${p & 255}.9` }));
      return keysOf(s);
    },
    session_hijack: () => {
      const s = SCORERS.session_hijack.create();
      for (let k = 0; k < 2; k++)
        for (let i = 0; i < 50_000; i++)
          s.observe(
            ev(k === 0 ? success : policy, {
              time: at(k),
              session_id: `sess-${i.toString(16).padStart(12, '0')}`,
              principal_id: `user${i % 10_000}@acme.example`,
              src_ip: `81.${i >> 12}.${(i >> 4) & 255}.${1 + (i & 15)}`,
              user_agent: UAS[i % UAS.length],
            }),
          );
      return keysOf(s);
    },
    impossible_travel: () => {
      const s = SCORERS.impossible_travel.create();
      for (let k = 0; k < 2; k++)
        for (let p = 0; p < 50_000; p++)
          s.observe(
            ev(success, { time: at(k * 600), principal_id: `user${p}@acme.example`, geo_country: COUNTRIES[(p + k) % COUNTRIES.length] }),
          );
      return keysOf(s);
    },
    noncompliant_access: () => {
      const s = SCORERS.noncompliant_access.create();
      for (let d = 0; d < 50_000; d++)
        s.observe(
          ev(posture, {
            time: at(0),
            principal_id: `user${d % 10_000}@acme.example`,
            device_id: `dev-${d.toString(16).padStart(10, '0')}`,
            agent_version: `3.${d % 4}.${d % 10}`,
          }),
        );
      return keysOf(s);
    },
    new_context: () => {
      const s = SCORERS.new_context.create();
      for (let k = 0; k < 8; k++)
        for (let p = 0; p < 20_000; p++)
          s.observe(
            ev(policy, {
              time: at(k),
              principal_id: `user${p}@acme.example`,
              device_id: `dev-${p}-${k % 4}`,
              geo_country: COUNTRIES[p % COUNTRIES.length],
            }),
          );
      return keysOf(s);
    },
  };
}

const figures = values['memory-only'] ? {} : await quality();
const rounds = Number(values.rounds);
const replay = bytesPerKey(rounds, tokenHistory);
const burst = bytesPerKey(rounds, denialHistory);
const detections = Object.entries(detectionHistories()).map(([type, fill]) => [type, bytesPerKey(rounds, fill)] as const);
const b = (n: number) => `${Math.round(n)} B`;
console.log(`\nscorer memory per key (JS heap + array buffers after GC, divided by keys held; ${rounds} rounds):`);
const HISTORY: Record<string, string> = {
  credential_stuffing: '32 users tried from the source',
  mfa_fatigue: '8 denied pushes',
  session_hijack: 'signed in, then used',
  impossible_travel: 'two sign-ins',
  noncompliant_access: 'a failed posture report',
  new_context: '4 devices, a country',
};
table(
  ['scorer', 'keys', 'history', 'min', 'median', 'max'],
  [
    ['token_replay', replay.keys.toLocaleString('en'), 'issued, used 5 times over 2 h', b(replay.min), b(replay.median), b(replay.max)],
    ['denial_burst', burst.keys.toLocaleString('en'), 'a denial every minute for 31 min', b(burst.min), b(burst.median), b(burst.max)],
    ...detections.map(([type, m]) => [type, m.keys.toLocaleString('en'), HISTORY[type]!, b(m.min), b(m.median), b(m.max)]),
  ],
);
console.log(
  JSON.stringify({
    bench: 'detect',
    seed: Number(values.seed),
    ...figures,
    bytes_per_key: {
      token_replay: Math.round(replay.median),
      denial_burst: Math.round(burst.median),
      ...Object.fromEntries(detections.map(([type, m]) => [type, Math.round(m.median)])),
    },
    bytes_per_key_min_max: {
      token_replay: [replay.min, replay.max].map(Math.round),
      denial_burst: [burst.min, burst.max].map(Math.round),
      ...Object.fromEntries(detections.map(([type, m]) => [type, [m.min, m.max].map(Math.round)])),
    },
  }),
);
