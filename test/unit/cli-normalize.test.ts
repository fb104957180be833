// `ztna normalize` as a user runs it: the built CLI, stdin to stdout, counts on stderr.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CanonicalEvent } from '../../src/events/index.js';
import { allFixtureLines, HMAC_KEY, runCli, tempDir } from '../support/helpers.js';

const env = { ZTNA_HMAC_KEY: HMAC_KEY, ZTNA_DATA_DIR: tempDir('cli') };

describe('ztna normalize', () => {
  it("normalizes every source's fixtures: canonical NDJSON out, counts and skipped types on stderr, exit 0", async () => {
    const input = allFixtureLines().join('\n') + '\n';
    const { code, stdout, stderr } = await runCli(['normalize'], { stdin: input, env });
    expect(code).toBe(0);
    const out = stdout
      .trim()
      .split('\n')
      .map((l) => CanonicalEvent.parse(JSON.parse(l)));
    // 31 records' own events and 6 more that Entra's sign-ins carry: their Conditional Access allows and device compliance.
    expect(out).toHaveLength(37);
    const entra = out.filter((e) => e.source === 'entra');
    expect(entra.slice(0, 4).map((e) => e.kind)).toEqual(['auth', 'policy', 'policy', 'posture']);
    expect(entra.filter((e) => e.kind === 'posture')).toHaveLength(3);
    expect(new Set(out.map((e) => e.source))).toEqual(new Set(['okta', 'entra', 'opa', 'keycloak', 'native']));
    expect(JSON.parse(stderr.trim().split('\n').pop()!)).toEqual({
      read: 34,
      normalized: 31,
      events: 37,
      skipped: 3,
      rejected: 0,
      skipped_by_type: { 'okta:user.account.lock': 1, 'keycloak:UPDATE_PASSWORD': 1, 'keycloak:ADMIN_EVENT': 1 },
    });
  });

  it('writes each reject with its line, reason and raw bytes, counts skips by event type, and still exits 0', async () => {
    const rejects = join(tempDir('cli'), 'rejects.ndjson');
    const lines = [
      '{"uuid":"u1","published":"2026-11-20T10:00:00Z","eventType":"user.account.lock","outcome":{"result":"SUCCESS"}}',
      'this is not json',
      '{"kind":"auth","time":"2026-11-20T10:00:00.000Z","emitter_id":"idp","outcome":"success"}',
      '{"kind":"auth","time":"2026-11-20T10:00:00.000Z","emitter_id":"idp","outcome":"perhaps"}',
    ];
    const { code, stdout, stderr } = await runCli(['normalize', '--rejects', rejects], { stdin: lines.join('\n'), env });
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stderr.trim())).toEqual({
      read: 4,
      normalized: 1,
      events: 1,
      skipped: 1,
      rejected: 2,
      skipped_by_type: { 'okta:user.account.lock': 1 },
    });
    const written = readFileSync(rejects, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(written.map((r) => r.line)).toEqual([2, 4]);
    expect(Buffer.from(written[0].raw_base64, 'base64').toString()).toBe('this is not json');
    expect(written[1].reason).toMatch(/outcome/);
  });

  it('refuses an unknown --source with exit 2', async () => {
    const { code, stderr } = await runCli(['normalize', '--source', 'splunk'], { env });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--source must be one of auto, okta/);
  });
});
