// The detection harness shared by the test suite and `npm run bench:detect`: the simulator
// with injected scenarios → the ingest pipeline on chDB → the anomaly scorers.
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { StoreAnomalySink } from '../../src/sinks/anomalies.js';
import type { RawRecord } from '../../src/pipeline/record.js';
import { TrafficSimulator } from '../../src/simulate/traffic.js';
import { evaluate, type Evaluation } from '../../src/detect/evaluate.js';
import type { ScenarioLabel, ScenarioWindow } from '../../src/simulate/scenarios.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { AnomalyProcessor, type Scorers } from '../../src/detect/processor.js';
import { createScorers } from '../../src/detect/scorers.js';
import { pipelineOptions } from './pipeline.js';
import { migratedStore, queryCount } from './store.js';

export interface DetectionRun {
  evaluation: Evaluation;
  labels: ScenarioLabel[];
  anomalies: Anomaly[];
  baselineEvents: number;
  events: number;
  scorers: Scorers;
  /** Anomalies the store holds afterwards (read back with FINAL). */
  storedAnomalies: number;
}

export async function runDetection(options: {
  seed: number;
  start: number;
  scenarios: ScenarioWindow[];
  minBaselineEvents: number;
  peakRate: number;
  dataDir: string;
}): Promise<DetectionRun> {
  const store = await migratedStore(options.dataDir);
  try {
    const anomalies: Anomaly[] = [];
    const scorers = createScorers();
    const processor = new AnomalyProcessor(scorers, [
      new StoreAnomalySink(store),
      { publish: async (found) => void anomalies.push(...found) },
    ]);
    const pipeline = new IngestPipeline(store, pipelineOptions(), { processors: [processor] });
    const sim = new TrafficSimulator({
      seed: options.seed,
      start: options.start,
      peakRate: options.peakRate,
      scenarios: options.scenarios,
    });
    const until = Math.max(...options.scenarios.map((s) => s.end)) + 10 * 60_000;
    let baselineEvents = 0;
    let events = 0;
    while (baselineEvents < options.minBaselineEvents || sim.time < until) {
      const batch: RawRecord[] = [];
      for (let i = 0; i < 2000; i++) {
        const r = sim.next();
        if (!r.scenario) baselineEvents++;
        batch.push({ value: Buffer.from(r.line), origin: { door: 'simulator', offset: String(events++) } });
      }
      await pipeline.processBatch(batch);
    }
    const storedAnomalies = await queryCount(store, 'SELECT count() AS n FROM anomalies FINAL');
    return {
      evaluation: evaluate(sim.labels, anomalies, baselineEvents),
      labels: sim.labels,
      anomalies,
      baselineEvents,
      events,
      scorers,
      storedAnomalies,
    };
  } finally {
    await store.close();
  }
}
