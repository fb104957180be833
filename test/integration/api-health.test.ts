// /healthz and /readyz: ready only when the store and Kafka answer, and a 503 that says what is down.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildServer } from '../../src/api/server.js';
import { createMetrics } from '../../src/streams/metrics.js';
import { loadSloSpec } from '../../src/slo/spec.js';
import { ChdbStore, migrate } from '../../src/store/index.js';
import { ROOT, tempDir } from '../helpers.js';

describe('health', () => {
  it('is ready when the store and Kafka answer, and names what is down when not', async () => {
    const store = new ChdbStore(tempDir('api-health'));
    await migrate(store, { retentionDays: 30 });
    let kafkaUp = true;
    const app = buildServer({
      store,
      registry: createMetrics().registry,
      spec: loadSloSpec(join(ROOT, 'slos.yaml')),
      apiKeys: [],
      readiness: {
        kafka: async () => {
          if (!kafkaUp) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
        },
      },
    });
    try {
      expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
      kafkaUp = false;
      const down = await app.inject({ url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: 'unavailable', down: { kafka: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' } });
      await store.close();
      const bothDown = await app.inject({ url: '/readyz' });
      expect(bothDown.statusCode).toBe(503);
      expect(Object.keys(bothDown.json().down).sort()).toEqual(['kafka', 'store']);
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
