// Bursts of denials: denials (policy `deny`, auth `failure`) per minute for each principal,
// source network, app, policy version and tenant, against that key's own robust baseline
// (median and MAD of its previous minutes, simple-statistics). A minimum count keeps three
// denials from paging anyone. The kind is attributed: brute force (one principal), MFA
// push bombing (one principal, push failures), password spraying (one source, many
// principals), a misconfigured rollout (one policy right after a new version). A key's state
// is one slot of typed arrays (denialState.ts): counts per minute in a ring, strings interned.
// A version is new only when it first appears after its tenant was already being watched: at a
// cold start (or a new tenant) every version in use is seen for the first time, and those are
// judged on their own history like any busy key, not raised as rollouts.
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, BoundedMap, networkOf, type Anomaly, type EvidenceEvent, type PrincipalMatch } from './anomaly.js';
import { DenialKeyStates, type MinuteCounts } from './denialState.js';

export interface DenialBurstOptions {
  /** Denials in a minute below this never raise anything. */
  minCount: number;
  /** Robust z: how many (scaled) MADs above the median. */
  madFactor: number;
  /** And at least this multiple of the median. */
  medianFactor: number;
  /** Minutes of history the baseline is taken from. */
  baselineMinutes: number;
  /** A key does not raise again within this many minutes. */
  cooldownMinutes: number;
  /** A policy version first seen less than this many minutes before its burst is a rollout. */
  rolloutMinutes: number;
  /** Keys tracked at most (least recently seen forgotten first). */
  maxKeys: number;
  /**
   * A policy denial whose every reason matches this was refused for its device's posture (a
   * non-compliant device): an IT problem the posture detections surface, not its user's or its
   * network's doing, so it does not count toward the principal's or the source network's bursts
   * (clients retry a blocked device many times a minute). It still counts for the policy, app and
   * tenant, where a surge of them is worth knowing. An unmanaged or unknown device is not posture:
   * those denials count everywhere.
   */
  postureReasons: RegExp;
}

export const DEFAULT_DENIAL_BURST: DenialBurstOptions = {
  minCount: 10,
  madFactor: 6,
  medianFactor: 2,
  baselineMinutes: 30,
  cooldownMinutes: 10,
  rolloutMinutes: 30,
  maxKeys: 100_000,
  postureReasons: /\bnon-?compliant\b|\bnot compliant\b|\bcompliance\b|\bposture\b/i,
};

export type Dimension = 'principal' | 'src_net' | 'policy' | 'app' | 'tenant';

const DIMENSIONS: readonly Dimension[] = ['principal', 'src_net', 'policy', 'app', 'tenant'];

/** Keys that aggregate many principals: they need a history to be judged, and a larger burst. */
const BROAD: readonly Dimension[] = ['app', 'tenant'];

/**
 * Versions first seen this many minutes or less after their tenant's first event were in use
 * before the scorer was watching: the first minute is partial, and a version busy enough to
 * burst shows within the next.
 */
const WARM_UP_MINUTES = 1;

/** Keys of who is acting (a person, a network): a device's posture is not theirs. */
const ACTORS: readonly Dimension[] = ['principal', 'src_net'];

const isDenial = (e: CanonicalEvent) => (e.kind === 'policy' && e.decision === 'deny') || (e.kind === 'auth' && e.outcome === 'failure');
const isPushFailure = (e: CanonicalEvent) => e.kind === 'auth' && e.outcome === 'failure' && (e.auth_method === 'push' || e.mfa === true);

/** A key's minute judged a burst: its count against the key's baseline, and what it most likely is. */
interface Burst {
  count: number;
  threshold: number;
  baseline: { minutes: number; median: number; mad: number };
  distinctPrincipals: number;
  /** The key tracks a few principals per minute: past them the count is a lower bound. */
  distinctAtLeast: boolean;
  kind: string;
  reasons: string[];
}

export class DenialBurstScorer {
  private readonly state: DenialKeyStates;
  private readonly keys: BoundedMap<number>;
  /** First minute each tenant/policy@version was seen, allowed or denied. */
  private readonly policyVersionSeen: BoundedMap<number>;
  /** First minute each tenant was seen: a version seen from then on was in use before. */
  private readonly tenantSeen: BoundedMap<number>;

  constructor(private readonly options: DenialBurstOptions = DEFAULT_DENIAL_BURST) {
    this.state = new DenialKeyStates(options.baselineMinutes);
    this.keys = new BoundedMap(options.maxKeys, (slot) => this.state.release(slot));
    this.policyVersionSeen = new BoundedMap(options.maxKeys);
    this.tenantSeen = new BoundedMap(options.maxKeys);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Slots of typed-array state in use and strings interned (each at most what the keys held refer to). */
  get held(): { slots: number; strings: number } {
    return this.state.held;
  }

  /**
   * Forgets a principal (`ztna forget`): the keys of the principal go; the other keys keep their
   * counts, and their distinct principals stay as many (the principal's place kept, naming no
   * one), but the principal's events leave their evidence. How many keys went.
   */
  forgetPrincipal(matches: PrincipalMatch): number {
    const dropped = this.keys.deleteWhere((slot) => {
      const principal = this.state.principal(slot);
      return principal !== undefined && matches(principal, this.state.tenant(slot));
    });
    for (const slot of this.keys.values()) this.state.forget(slot, matches);
    return dropped;
  }

  /**
   * Drops the keys for which `drop(key)` is true, the key named `tenant/dimension:value` (a keyed
   * partition lost), with the first sightings of the policy versions among them; how many keys went.
   */
  dropWhere(drop: (key: string) => boolean): number {
    this.policyVersionSeen.deleteWhere((_, pv) => drop(pv.replace('/', '/policy:')));
    return this.keys.deleteWhere((_, id) => drop(id));
  }

  /** A burst of this key (`tenant/dimension:value`) raised in this minute by the replica that held the key before: its cooldown holds here too. */
  noteAlert(id: string, minute: number): void {
    const slot = this.keys.get(id);
    if (slot !== undefined) this.state.alerted(slot, minute);
  }

  /** Counts the event in the keys of the dimensions given (all by default; a keyed replica passes the one it holds). */
  observe(event: CanonicalEvent, only: readonly Dimension[] = DIMENSIONS): Anomaly[] {
    const minute = Math.floor(Date.parse(event.time) / 60_000);
    const tenantFirst = this.tenantSeen.get(event.tenant);
    if (tenantFirst === undefined || minute < tenantFirst) this.tenantSeen.set(event.tenant, minute);
    if (event.kind === 'policy' && event.policy_id && only.includes('policy')) {
      const pv = `${event.tenant}/${event.policy_id}@${event.policy_version ?? ''}`;
      if (this.policyVersionSeen.get(pv) === undefined) this.policyVersionSeen.set(pv, minute);
    }
    if (!isDenial(event)) return [];
    const posture = this.isPostureDenial(event);
    const out: Anomaly[] = [];
    for (const [dimension, value] of this.dimensions(event)) {
      if (!only.includes(dimension) || (posture && ACTORS.includes(dimension))) continue;
      const found = this.count(dimension, value, event, minute);
      if (found) out.push(found);
    }
    return out;
  }

  /** A policy denial refused for the device's posture alone: every reason it gives says so. */
  private isPostureDenial(event: CanonicalEvent): boolean {
    // A decision rebuilt from the store (a keyed replica's state) may carry no reasons: then it counts.
    const reasons = event.kind === 'policy' ? (event.reasons ?? []) : [];
    const posture = this.options.postureReasons;
    return reasons.length > 0 && reasons.every((reason) => posture.test(reason));
  }

  private dimensions(event: CanonicalEvent): Array<[Dimension, string]> {
    const dims: Array<[Dimension, string | undefined]> = [
      ['principal', event.principal_id],
      ['src_net', networkOf(event.src_ip)],
      ['policy', event.kind === 'policy' && event.policy_id ? `${event.policy_id}@${event.policy_version ?? ''}` : undefined],
      ['app', event.app],
      ['tenant', event.tenant],
    ];
    return dims.filter((d): d is [Dimension, string] => d[1] !== undefined);
  }

  /** Counts the denial for its key and minute; the anomaly, if that makes the minute a burst. */
  private count(dimension: Dimension, value: string, event: CanonicalEvent, minute: number): Anomaly | undefined {
    const slot = this.keySlot(event.tenant, dimension, value, minute);
    if (minute < this.state.newestMinute(slot) - this.options.baselineMinutes) return undefined; // older than anything still judged
    this.state.record(slot, event, minute, isPushFailure(event), dimension !== 'principal');
    const burst = this.judge(dimension, value, slot, this.state.minute(slot, minute), event.tenant, minute);
    if (!burst) return undefined;
    this.state.alerted(slot, minute);
    return burstAnomaly(burst, `${dimension}:${value}`, minute, this.state.recent(slot), event);
  }

  /** The key's slot, its baseline window moved on to this minute if it is the newest. */
  private keySlot(tenant: string, dimension: Dimension, value: string, minute: number): number {
    const id = `${tenant}/${dimension}:${value}`;
    let slot = this.keys.get(id);
    if (slot === undefined) {
      slot = this.state.create(tenant, dimension === 'principal' ? value : undefined, minute);
      this.keys.set(id, slot);
    }
    this.state.advance(slot, minute);
    return slot;
  }

  /** Whether the key's count in this minute is a burst: against which baseline and threshold, and what it most likely is. */
  private judge(dimension: Dimension, value: string, slot: number, stats: MinuteCounts, tenant: string, minute: number): Burst | undefined {
    // A version in use before the scorer was watching serves all its app's users, as broad as the app.
    const broad = BROAD.includes(dimension) || (dimension === 'policy' && !this.isNewVersion(tenant, value));
    const minCount = broad ? 2 * this.options.minCount : this.options.minCount;
    if (stats.count < minCount || this.state.inCooldown(slot, minute, this.options.cooldownMinutes)) return undefined;
    // The baseline is the key's own history since it was first seen: a narrow key with none
    // (a new attacker network, a new policy version) is judged by the minimum count alone; a
    // broad one (an app, a tenant, a version in use before) is not judged until it has a third
    // of a baseline window.
    const baseline = this.baselineOf(slot, minute);
    if (broad && baseline.minutes < this.options.baselineMinutes / 3) return undefined;
    // The MAD of a quiet key's counts is often 0: Poisson noise (√median) is the floor of the spread.
    const spread = Math.max(1.4826 * baseline.mad, Math.sqrt(baseline.median));
    const threshold = Math.max(minCount, baseline.median + this.options.madFactor * spread, this.options.medianFactor * baseline.median);
    if (stats.count < threshold) return undefined;
    return {
      count: stats.count,
      threshold,
      baseline,
      distinctPrincipals: stats.distinctPrincipals,
      distinctAtLeast: stats.atLeast,
      ...this.attribute(dimension, value, stats, tenant, minute),
    };
  }

  /** Median and MAD of the key's counts per minute before this one, since it was first seen, over at most the baseline window. */
  private baselineOf(slot: number, minute: number): Burst['baseline'] {
    const history: number[] = [];
    for (let m = Math.max(this.state.firstMinute(slot), minute - this.options.baselineMinutes); m < minute; m++)
      history.push(this.state.count(slot, m));
    return {
      minutes: history.length,
      median: history.length > 0 ? median(history) : 0,
      mad: history.length > 1 ? medianAbsoluteDeviation(history) : 0,
    };
  }

  /** Whether the policy version (`policy@version`) first appeared while its tenant was already watched. */
  private isNewVersion(tenant: string, value: string): boolean {
    const first = this.policyVersionSeen.get(`${tenant}/${value}`);
    const tenantFirst = this.tenantSeen.get(tenant);
    return first !== undefined && tenantFirst !== undefined && first > tenantFirst + WARM_UP_MINUTES;
  }

  private attribute(
    dimension: Dimension,
    value: string,
    stats: MinuteCounts,
    tenant: string,
    minute: number,
  ): Pick<Burst, 'kind' | 'reasons'> {
    switch (dimension) {
      case 'principal':
        if (stats.pushFailures >= stats.count * 0.6)
          return { kind: 'mfa-push-bombing', reasons: [`${stats.pushFailures} MFA push failures for one principal`] };
        if (stats.authFailures >= stats.count * 0.6)
          return { kind: 'brute-force', reasons: [`${stats.authFailures} failed logins for one principal`] };
        return { kind: 'denied-principal', reasons: ['one principal denied by policy'] };
      case 'src_net':
        if (stats.authFailures < stats.count * 0.6) return { kind: 'denied-network', reasons: ['one source network denied by policy'] };
        return stats.distinctPrincipals >= 5
          ? { kind: 'password-spray', reasons: [`one source network, ${principals(stats)} principals`] }
          : { kind: 'brute-force', reasons: [`one source network, ${principals(stats)} principal(s)`] };
      case 'policy': {
        const first = this.policyVersionSeen.get(`${tenant}/${value}`) ?? minute;
        return this.isNewVersion(tenant, value) && minute - first <= this.options.rolloutMinutes
          ? { kind: 'misconfigured-rollout', reasons: [`policy version ${value} first seen ${minute - first} min before`] }
          : { kind: 'policy-denial-surge', reasons: [] };
      }
      case 'app':
        return { kind: 'app-denial-surge', reasons: [] };
      case 'tenant':
        return { kind: 'tenant-denial-surge', reasons: [] };
    }
  }
}

/** A minute's distinct principals as evidence says them: "at least" once past what a key tracks. */
const principals = (stats: MinuteCounts) => (stats.atLeast ? `at least ${stats.distinctPrincipals}` : `${stats.distinctPrincipals}`);

/** The anomaly for a burst: a score from how far the count is over the threshold, the minute's numbers and recent events as evidence. */
function burstAnomaly(burst: Burst, key: string, minute: number, recent: readonly EvidenceEvent[], trigger: CanonicalEvent): Anomaly {
  const { count, threshold, baseline } = burst;
  return anomaly(
    {
      type: 'denial_burst',
      kind: burst.kind,
      score: Math.min(100, Math.round(50 + 25 * Math.log2(count / threshold))),
      tenant: trigger.tenant,
      key,
      time: new Date(minute * 60_000).toISOString(), // the burst's minute: the same whichever denial tipped it
      evidence: {
        reasons: [
          `${count} denials in the minute from ${new Date(minute * 60_000).toISOString()}, threshold ${threshold.toFixed(1)}`,
          ...burst.reasons,
        ],
        events: [...recent],
        baseline: {
          ...baseline,
          threshold,
          distinct_principals: burst.distinctPrincipals,
          ...(burst.distinctAtLeast ? { distinct_principals_at_least: true } : {}),
        },
      },
    },
    `minute:${minute}`,
  );
}
