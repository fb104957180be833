// A service credential used from somewhere its service never was: the guide's F8, a leaked
// secret. A service principal or workload identity signs in from the same few networks, ASNs and
// countries day after day, so once a service's are learnt, being let in from a new one is worth a
// page: high for a new ASN or country (someone else's infrastructure), medium for a new network
// within its ASN (a cloud moves addresses), more when several are new at once. A service on a
// schedule (a nightly job, business-hours sync) also signs in at the same hours: once it has been
// watched for days, a sign-in at an hour it never used is worth a look (low on its own). People
// travel and keep odd hours; this judges services only (principal_type 'service').
// Per service: events seen, the hours of the day (UTC) seen as a bit mask, when first seen, and
// the last 4 networks (/24, /48), ASNs and countries (interned rings).
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, networkOf, type Anomaly } from './anomaly.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface ServiceCredentialOptions extends KeyedSlotsOptions {
  /** Events of a service with a source address seen before anything is new: its usual places are learnt from them. */
  learnEvents: number;
  networkScore: number;
  asnScore: number;
  countryScore: number;
  /** Days a service is watched before an hour it never signed in at counts (its schedule learnt). */
  learnHoursDays: number;
  /** A service seen at more hours of the day than this has no schedule: its hours are not judged. */
  maxUsualHours: number;
  hourScore: number;
  /** Added per further new thing (a new ASN in a new country), up to 100. */
  eachMoreScore: number;
}

export const DEFAULT_SERVICE_CREDENTIAL: ServiceCredentialOptions = {
  learnEvents: 20,
  networkScore: 55,
  asnScore: 75,
  countryScore: 80,
  learnHoursDays: 7,
  maxUsualHours: 12,
  hourScore: 45,
  eachMoreScore: 10,
  maxKeys: 50_000,
  idleMs: 30 * 24 * 3600_000,
};

const KEPT = 4;
// Int32 words after tenant and principal: events seen, hours seen, the rings' next places, then the rings.
const SEEN = 2;
const HOURS = 3;
const NEXT_NETWORK = 4;
const NEXT_ASN = 5;
const NEXT_COUNTRY = 6;
const NETWORKS = 7;
const ASNS = NETWORKS + KEPT;
const COUNTRIES = ASNS + KEPT;
const INTS = COUNTRIES + KEPT;
// Float64 words after last seen: when first seen (ms).
const FIRST_SEEN = 1;
const FLOATS = 2;

const DAY_MS = 24 * 3600_000;
const hoursOf = (mask: number) => Array.from({ length: 24 }, (_, h) => h).filter((h) => (mask >>> h) & 1);

export class ServiceCredentialScorer {
  private readonly state: KeyedSlots;

  constructor(private readonly options: ServiceCredentialOptions = DEFAULT_SERVICE_CREDENTIAL) {
    const interned = Array.from({ length: 3 * KEPT }, (_, k) => NETWORKS + k);
    this.state = new KeyedSlots(INTS, FLOATS, interned, options);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (event.principal_type !== 'service' || !event.principal_id || !event.src_ip) return [];
    if (event.kind !== 'auth' && event.kind !== 'policy') return [];
    // What the credential was let in with: a refused attempt proves no one holds it.
    if ((event.kind === 'auth' && event.outcome !== 'success') || (event.kind === 'policy' && event.decision !== 'allow')) return [];
    const time = Date.parse(event.time);
    const { slot, created } = this.state.slot(`${event.tenant}/service:${event.principal_id}`, event.tenant, event.principal_id, time);
    const ints = this.state.pool.ints;
    const i = slot * this.state.ints;
    const floats = this.state.pool.floats;
    const first = slot * this.state.floats + FIRST_SEEN;
    if (created || time < floats[first]!) floats[first] = time;
    const learning = ints[i + SEEN]! < this.options.learnEvents;
    if (learning) ints[i + SEEN]!++;
    const network = networkOf(event.src_ip);
    const asn = event.asn === undefined ? undefined : `AS${event.asn}`;
    const before = {
      networks: this.state.ring(slot, NETWORKS, KEPT),
      asns: this.state.ring(slot, ASNS, KEPT),
      countries: this.state.ring(slot, COUNTRIES, KEPT),
      usual_hours_utc: hoursOf(ints[i + HOURS]!),
    };
    const hour = new Date(time).getUTCHours();
    const hours = ints[i + HOURS]!;
    const offSchedule =
      ((hours >>> hour) & 1) === 0 &&
      time - floats[first]! >= this.options.learnHoursDays * DAY_MS &&
      before.usual_hours_utc.length <= this.options.maxUsualHours;
    ints[i + HOURS] = hours | (1 << hour);
    const fresh = [
      this.state.remember(slot, COUNTRIES, NEXT_COUNTRY, KEPT, event.geo_country) && {
        what: `country ${event.geo_country}`,
        score: this.options.countryScore,
        kind: 'service-new-country',
      },
      this.state.remember(slot, ASNS, NEXT_ASN, KEPT, asn) && {
        what: `network operator ${asn}`,
        score: this.options.asnScore,
        kind: 'service-new-asn',
      },
      this.state.remember(slot, NETWORKS, NEXT_NETWORK, KEPT, network) && {
        what: `network ${network}`,
        score: this.options.networkScore,
        kind: 'service-new-network',
      },
      offSchedule && { what: `hour ${hour}:00 UTC`, score: this.options.hourScore, kind: 'service-unusual-hour' },
    ].filter((f): f is { what: string; score: number; kind: string } => f !== false);
    if (learning || fresh.length === 0) return [];
    const score = Math.min(100, Math.max(...fresh.map((f) => f.score)) + this.options.eachMoreScore * (fresh.length - 1));
    return [
      anomaly(
        {
          type: 'secret_leak',
          // The gravest of what is new names it: a new country before a new ASN before a new network.
          kind: fresh[0]!.kind,
          score,
          tenant: event.tenant,
          key: `principal:${event.principal_id}`,
          time: event.time,
          evidence: {
            reasons: fresh.map((f) =>
              f.kind === 'service-unusual-hour'
                ? `service credential used at ${f.what}, an hour it never signed in at`
                : `service credential used from a ${f.what} it never used`,
            ),
            events: [evidenceOf(event)],
            baseline: { ...before, learnt_from_events: this.options.learnEvents, schedule_learnt_days: this.options.learnHoursDays },
          },
        },
        `${network ?? ''}/${asn ?? ''}/${event.geo_country ?? ''}`,
      ),
    ];
  }
}
