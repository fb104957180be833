// The built-in simulator as a source: what the embedded default (`npm start` without Kafka)
// ingests, realistic traffic in every vendor shape with the configured incidents injected.
import type { Logger } from 'pino';
import type { SourceMetrics } from './metrics.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';
import type { RawRecord } from '../pipeline/record.js';
import { pauseUnlessStopped, retryWithBackoff } from '../pipeline/retry.js';
import { parseScenarios } from '../simulate/scenarios.js';
import { TrafficSimulator } from '../simulate/traffic.js';

export interface SimulatorSettings {
  seed: number;
  /** Records per second. */
  rate: number;
  /** Incidents to inject: `name[/shape]@offset+duration`, comma-separated. */
  scenarios: string;
  /** The tenant the pipeline gives records that carry none (ZTNA_DEFAULT_TENANT). */
  defaultTenant?: string;
}

export interface SimulatorDoorOptions {
  log: Logger;
  print: (line: string) => void;
  metrics?: SourceMetrics;
}

/**
 * The simulator as a door: a batch of records every 200 ms at the configured rate. A batch the
 * store cannot take is retried, the same records, with backoff, until it is stored or the
 * service stops: a transient store error loses nothing. Resolves once stopped.
 */
export async function runEmbeddedSimulator(
  pipeline: Pick<IngestPipeline, 'processBatch'>,
  settings: SimulatorSettings,
  signal: AbortSignal,
  { log, print, metrics }: SimulatorDoorOptions,
): Promise<void> {
  const start = Date.now();
  const scenarios = parseScenarios(settings.scenarios, start);
  const sim = new TrafficSimulator({
    seed: settings.seed,
    start,
    clock: 'wall',
    invalidShare: 0.001,
    notAccessShare: 0.002,
    scenarios,
    ...(settings.defaultTenant ? { defaultTenant: settings.defaultTenant } : {}),
  });
  for (const s of scenarios)
    print(`ztna: simulating ${s.name} from ${new Date(s.start).toISOString()} to ${new Date(s.end).toISOString()}`);
  const tickMs = 200;
  const perTick = Math.max(1, Math.round((settings.rate * tickMs) / 1000));
  let seq = 0;
  while (!signal.aborted) {
    const started = Date.now();
    const records: RawRecord[] = [];
    for (let i = 0; i < perTick; i++) {
      const r = sim.next();
      records.push({ value: Buffer.from(r.line), origin: { door: 'simulator', topic: r.topicKind, offset: String(seq++) } });
    }
    await retryWithBackoff(() => pipeline.processBatch(records), {
      stopped: () => signal.aborted,
      pause: (ms) => pauseUnlessStopped(ms, signal),
      onFailure: (err, attempt, delayMs) => {
        metrics?.ingestRetries.inc({ door: 'simulator' });
        log.warn({ err: (err as Error).message, attempt, retryInMs: delayMs }, 'simulated batch not stored; retrying the same records');
      },
    });
    await pauseUnlessStopped(Math.max(0, tickMs - (Date.now() - started)), signal);
  }
}
