// /healthz and /readyz. Readiness is what a background monitor last found: a probe reads that
// state and never waits on a dependency; a 503 names each dependency that is down in plain
// words, with since when, and the error behind it goes to the log, not to the probe.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { brokersCheck, ReadinessMonitor, storeCheck, Unready, type DependencyCheck } from '../../src/api/readiness.js';
import type { Store } from '../../src/store/index.js';
import { apiServer } from '../support/api.js';
import { freePort } from '../support/services/ports.js';
import { tempDir } from '../support/helpers.js';
import { captureLog } from '../support/logCapture.js';
import { migratedStore } from '../support/store.js';

const since = String.raw`\(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)`;

describe('health', () => {
  // One chDB data directory per process; the last test closes it to take the store down.
  let store: Store;
  beforeAll(async () => {
    store = await migratedStore(tempDir('api-health'));
  });

  it('a check that never answers is down after its timeout, and probes answer meanwhile', async () => {
    let started = 0;
    const monitor = new ReadinessMonitor(
      { hangs: () => (started++, new Promise<void>(() => {})) },
      { timeoutMs: 50, intervalMs: 3_600_000 },
    );
    const app = apiServer(store, { readiness: monitor });
    try {
      await app.ready();
      const probe = await app.inject({ url: '/readyz' });
      expect(probe.statusCode).toBe(503);
      expect(probe.json().down.hangs).toMatch(new RegExp(`^no answer within 0\\.05 s ${since}$`));
      // The hung check is not started again on top of itself.
      await monitor.checkNow();
      expect(started).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('never passes a library message to the probe: plain words there, the error in the log', async () => {
    const { lines, log } = captureLog();
    const internal = "Cannot destructure property 'brokers' of '(intermediate value)' as it is undefined.";
    const monitor = new ReadinessMonitor(
      {
        kafka: async () => {
          throw new TypeError(internal);
        },
      },
      { log },
    );
    await monitor.checkNow();
    const report = monitor.report();
    expect(report.ready).toBe(false);
    expect(report.down.kafka).toMatch(new RegExp(`^its check failed; the service log has the error ${since}$`));
    expect(lines()).toContainEqual(expect.objectContaining({ dependency: 'kafka', err: expect.objectContaining({ message: internal }) }));
  });

  it('Kafka reachability: the real broker is up, a closed port is named in plain words', async () => {
    const closed = await freePort(); // nothing listens there
    const monitor = new ReadinessMonitor({ broker: brokersCheck([inject('kafkaBrokers')]), nobody: brokersCheck([`127.0.0.1:${closed}`]) });
    await monitor.checkNow();
    expect(monitor.report()).toEqual({
      ready: false,
      down: { nobody: expect.stringMatching(new RegExp(`^cannot reach broker 127\\.0\\.0\\.1:${closed} ${since}$`)) },
    });
  });
  it('answers from the cached state: a probe runs no check, and the state changes only when the monitor runs', async () => {
    let kafkaUp = true;
    let kafkaChecks = 0;
    const kafka: DependencyCheck = async () => {
      kafkaChecks++;
      if (!kafkaUp) throw new Unready('cannot reach broker 127.0.0.1:9092');
    };
    // An interval longer than the test: rounds run only when the test says so (and once at start).
    const monitor = new ReadinessMonitor({ store: storeCheck(store), kafka }, { intervalMs: 3_600_000 });
    const app = apiServer(store, { readiness: monitor });
    try {
      await app.ready();
      expect(kafkaChecks).toBe(1);
      for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
      expect(kafkaChecks).toBe(1);

      kafkaUp = false;
      expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
      await monitor.checkNow();
      expect(kafkaChecks).toBe(2);
      const down = await app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({
        status: 'unavailable',
        down: { kafka: expect.stringMatching(new RegExp(`^cannot reach broker 127\\.0\\.0\\.1:9092 ${since}$`)) },
      });

      await store.close();
      await monitor.checkNow();
      const bothDown = await app.inject({ url: '/readyz' });
      expect(bothDown.statusCode).toBe(503);
      expect(Object.keys(bothDown.json().down).sort()).toEqual(['kafka', 'store']);
      expect(bothDown.json().down.store).toMatch(
        new RegExp(`^(no answer from|cannot reach) ${store.location.replace(/[/.]/g, '\\$&')} ${since}$`),
      );

      kafkaUp = true;
      await monitor.checkNow();
      expect(Object.keys((await app.inject({ url: '/readyz' })).json().down)).toEqual(['store']);
      // Alive is not ready: the process still answers.
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const unknown = await app.inject({ url: '/api/v1/nothing' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().message).toMatch(/see \/openapi.json/);
    } finally {
      await app.close();
    }
  });
});
