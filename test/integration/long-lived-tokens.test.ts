// The analyst's table of the longest-lived tokens in use (the guide's M6) reads migration 0016's
// uses more than an hour after issue: a token used two hours after its issue is listed with its
// oldest age, lifetime and uses (a redelivered use counted once); one used ten minutes after
// issue, or a use without an issue time, is not; the tenant filter holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../src/pipeline/pipeline.js';
import { rangeParams, type Store } from '../../src/store/index.js';
import { sqlFile } from '../../src/store/sql.js';
import { httpRecords } from '../support/api.js';
import { tempDir } from '../support/helpers.js';
import { pipelineOptions } from '../support/pipeline.js';
import { migratedStore } from '../support/store.js';

const T0 = Date.parse('2026-11-20T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const token = (tenant: string, id: string, usedAfterMinutes: number, event: string) => ({
  tenant,
  kind: 'token',
  event_id: event,
  emitter_id: 'idp',
  principal_id: 'ann@acme.example',
  time: at(usedAfterMinutes),
  activity: 'use',
  token_id: id,
  token_type: 'access',
  client_id: 'crm',
  issued_at: at(0),
  expires_at: at(8 * 60),
});

describe('longest-lived tokens in use', () => {
  let store: Store;
  const panel = sqlFile('dashboards/longest_lived_tokens.sql');
  const range = rangeParams({ from: new Date(T0), to: new Date(T0 + 6 * 3_600_000) });

  beforeAll(async () => {
    store = await migratedStore(tempDir('long-lived-tokens'));
    const pipeline = new IngestPipeline(store, pipelineOptions());
    const events = [
      token('acme', 'jti-old', 120, 'use-old-1'),
      token('acme', 'jti-old', 150, 'use-old-2'),
      token('acme', 'jti-fresh', 10, 'use-fresh'),
      { ...token('acme', 'jti-no-issue', 200, 'use-no-issue'), issued_at: undefined },
      token('globex', 'jti-globex', 90, 'use-globex'),
    ];
    await pipeline.processBatch(httpRecords(events));
    await pipeline.processBatch(httpRecords(events.slice(0, 1))); // redelivered
  });
  afterAll(async () => store?.close());

  it('lists the tokens used more than an hour after issue, oldest first, each use once', async () => {
    const rows = await store.query<Record<string, unknown>>(panel, { ...range, tenant: '' });
    expect(rows.map((r) => [r.tenant, r.token_id, Number(r.max_age_seconds), Number(r.lifetime_seconds), Number(r.uses)])).toEqual([
      ['acme', 'jti-old', 150 * 60, 8 * 3600, 2],
      ['globex', 'jti-globex', 90 * 60, 8 * 3600, 1],
    ]);
  });

  it('keeps to the tenant asked for', async () => {
    const rows = await store.query<{ token_id: string }>(panel, { ...range, tenant: 'globex' });
    expect(rows.map((r) => r.token_id)).toEqual(['jti-globex']);
  });
});
