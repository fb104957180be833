// `ztna score` on the Okta fixture: its session re-used minutes later from another
// country, network and user agent comes out as a token-replay anomaly.
import { describe, expect, it } from 'vitest';
import { allFixtureLines, fixtureLines, HMAC_KEY, runCli, tempDir } from '../support/helpers.js';

describe('ztna score', () => {
  it('turns a replayed Okta session into a token_replay anomaly with its evidence', async () => {
    const login = fixtureLines('okta').find((l) => l.includes('"user.session.start"'))!;
    const replay = JSON.parse(login);
    replay.uuid = 'b2f8c2aa-0000-4000-8000-000000000001';
    replay.published = '2026-11-20T08:22:02.311Z'; // 7 minutes later
    replay.client.ipAddress = '198.51.100.50';
    replay.client.geographicalContext.country = 'Brazil';
    replay.client.userAgent.rawUserAgent = 'curl/8.5.0';
    const { code, stdout, stderr } = await runCli(['score'], {
      stdin: `${login}\n${JSON.stringify(replay)}\n`,
      env: { ZTNA_HMAC_KEY: HMAC_KEY, ZTNA_DATA_DIR: tempDir('score') },
    });
    expect(code).toBe(0);
    const anomalies = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      type: 'token_replay',
      key: 'session:102Qm7Zr9TfXaBcD3eFgHiJkL',
      time: '2026-11-20T08:22:02.311Z',
    });
    expect(anomalies[0].score).toBeGreaterThanOrEqual(50);
    expect(anomalies[0].evidence.reasons).toEqual(expect.arrayContaining(['different country within minutes', 'different user agent']));
    expect(anomalies[0].evidence.events.map((e: { src_ip: string }) => e.src_ip)).toEqual(['203.0.113.24', '198.51.100.50']);
    expect(JSON.parse(stderr.trim())).toMatchObject({ read: 2, normalized: 2, anomalies: 1, anomalies_by_type: { token_replay: 1 } });
  });

  it('raises nothing on the unaltered fixtures of every source', async () => {
    const input = allFixtureLines().join('\n');
    const { code, stdout } = await runCli(['score'], { stdin: input, env: { ZTNA_HMAC_KEY: HMAC_KEY, ZTNA_DATA_DIR: tempDir('score') } });
    expect(code).toBe(0);
    expect(stdout).toBe('');
  });
});
