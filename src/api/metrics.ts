// The API's metrics: when each API key was last used, by the key's name (never the key), so a
// key that nobody uses any more, or one still used after its rotation, shows on a dashboard.
import { Gauge, type Registry } from 'prom-client';
import { METRIC_NAMES } from '../conventions.js';
import type { Authenticator } from './authPlugin.js';

export type ApiMetrics = ReturnType<typeof registerApiMetrics>;

export function registerApiMetrics(registry: Registry) {
  return {
    keyLastUsed: new Gauge({
      name: METRIC_NAMES.apiKeyLastUsed,
      help: 'When an API key was last accepted (Unix seconds), by key name; keys sharing a name during a rotation share it',
      labelNames: ['name'],
      registers: [registry],
    }),
  };
}

/** The authenticator, noting the time of each request it accepts by an API key. */
export const recordingKeyUse =
  (authenticator: Authenticator, metrics: ApiMetrics): Authenticator =>
  async (req) => {
    const caller = await authenticator(req);
    if (caller?.kind === 'key') metrics.keyLastUsed.set({ name: caller.name }, Date.now() / 1000);
    return caller;
  };
