// A replica that loses keyed partitions and gains them back (or gains another holder's) replays
// the stored events in time order, which is not the order they arrived in: the replay may judge a
// key's bursts in other minutes. What a stored anomaly covers is neither published again nor taken
// into the replica's open incidents, where a later anomaly joining them would publish it as related.
import { describe, expect, it } from 'vitest';
import { normalizeRecord, type CanonicalEvent } from '../../src/events/index.js';
import { KeyedScoring, keyedMessages, type RaisedAnomaly } from '../../src/detect/keyed.js';
import type { Anomaly } from '../../src/detect/anomaly.js';
import { createScorers } from '../../src/detect/scorers.js';
import { normalizeOptions } from '../support/helpers.js';

const PARTITIONS = 4;
const ALL = new Set(Array.from({ length: PARTITIONS }, (_, p) => p));
const T0 = Date.parse('2026-11-20T10:00:00Z');
let seq = 0;

/** Twelve failed logins of bob in the minute, each from its own network (no network bursts). */
function failures(minute: number, src = (i: number) => `10.${minute}.${i}.1`): CanonicalEvent[] {
  return Array.from({ length: 12 }, (_, i) => {
    const o = normalizeRecord(
      JSON.stringify({
        kind: 'auth',
        outcome: 'failure',
        tenant: 'acme',
        emitter_id: 'idp',
        emitter_seq: ++seq,
        principal_id: 'bob',
        src_ip: src(i),
        auth_method: 'password',
        time: new Date(T0 + minute * 60_000 + i * 1000).toISOString(),
      }),
      normalizeOptions(),
    );
    if (o.status !== 'normalized') throw new Error(JSON.stringify(o));
    return o.event;
  });
}

const messagesOf = (events: readonly CanonicalEvent[]) => events.flatMap((e) => keyedMessages(e).map((m) => m.message));
const stored = (published: readonly Anomaly[]): RaisedAnomaly[] =>
  published.map((a) => ({
    anomaly_id: a.anomaly_id,
    type: a.type,
    tenant: a.tenant,
    key: a.key,
    time: a.time,
    reasons: a.evidence.reasons,
  }));

describe('a keyed rebuild on a replica with open incidents', () => {
  it('keeps the bursts a stored one covers out of its incidents', () => {
    const scoring = new KeyedScoring(createScorers(), PARTITIONS);
    // Arrived out of order (source partitions read at different paces): minute 14, then 13 and 23, in its cooldown.
    const [m13, m14, m23] = [failures(13), failures(14), failures(23)];
    const live = scoring.score(messagesOf([...m14, ...m13, ...m23])).anomalies;
    expect(live.map((a) => [a.key, a.time])).toEqual([['principal:bob', new Date(T0 + 14 * 60_000).toISOString()]]);

    // The partitions go and come back: in time order the replay judges minutes 13 and 23 bursts.
    scoring.drop(ALL);
    expect(scoring.rebuild([...m13, ...m14, ...m23], stored(live), ALL)).toEqual([]);

    // A burst of bob's network joins his incident: its related anomalies are that one alone.
    const network = scoring.score(messagesOf(failures(24, () => '45.9.9.9'))).anomalies;
    const incident = network.find((a) => a.anomaly_id === live[0]!.anomaly_id)!;
    expect(incident.evidence.related!.map((r) => [r.key, r.time])).toEqual([
      ['src_net:45.9.9.0/24', new Date(T0 + 24 * 60_000).toISOString()],
    ]);
  });
});
