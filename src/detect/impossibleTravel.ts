// Impossible travel: two successful sign-ins of one principal from countries so far apart, so
// soon, that no traveller covers the distance. Per principal: the last sign-in's country
// (interned), time and event id. Countries are placed at their centres with their reach (geo.ts):
// the distance is the least the two countries allow, so neighbours are never impossible.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, type Anomaly } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { countryPlace, leastDistanceKm } from './geo.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface ImpossibleTravelOptions extends KeyedSlotsOptions {
  /** Faster than this (km/h) is impossible: an airliner's cruise, with boarding, is well under it. */
  maxSpeedKmh: number;
  /** Km taken off the least distance too: an address's country is not always where its user is (a VPN exit next door). */
  slackKm: number;
  score: number;
}

export const DEFAULT_IMPOSSIBLE_TRAVEL: ImpossibleTravelOptions = {
  maxSpeedKmh: 1000,
  slackKm: 100,
  score: 75,
  maxKeys: 200_000,
  idleMs: 7 * 24 * 3600_000,
};

// Int32 words after tenant and principal: the last sign-in's country (interned), its event id.
const COUNTRY = 2;
const EVENT_ID = 3;
// Float64 words after last seen: the last sign-in's time.
const SIGN_IN = 1;

export class ImpossibleTravelScorer {
  private readonly state: KeyedSlots;
  private readonly eventIds = new EventIdCells();

  constructor(private readonly options: ImpossibleTravelOptions = DEFAULT_IMPOSSIBLE_TRAVEL) {
    this.state = new KeyedSlots(EVENT_ID + EVENT_ID_WORDS, 2, [COUNTRY], options);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (event.kind !== 'auth' || event.outcome !== 'success' || !event.principal_id || !event.geo_country) return [];
    const time = Date.parse(event.time);
    const { slot, created } = this.state.slot(`${event.tenant}/principal:${event.principal_id}`, event.tenant, event.principal_id, time);
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const f = slot * this.state.floats + SIGN_IN;
    const before = created ? undefined : this.state.string(slot, COUNTRY);
    const beforeAt = floats[f]!;
    const beforeId = created ? '' : this.eventIds.read(ints, i + EVENT_ID);
    if (time < beforeAt) return []; // a late sign-in: judged against the next, not the last
    this.state.setString(slot, COUNTRY, event.geo_country);
    this.eventIds.write(ints, i + EVENT_ID, event.event_id);
    floats[f] = time;
    if (before === undefined || before === event.geo_country) return [];
    const from = countryPlace(before);
    const to = countryPlace(event.geo_country);
    if (!from || !to) return [];
    const km = Math.max(0, leastDistanceKm(from, to) - this.options.slackKm);
    const hours = Math.max(time - beforeAt, 1) / 3600_000;
    const speed = km / hours;
    if (speed <= this.options.maxSpeedKmh) return [];
    return [
      anomaly(
        {
          type: 'impossible_travel',
          kind: 'impossible-travel',
          score: this.options.score,
          tenant: event.tenant,
          key: `principal:${event.principal_id}`,
          time: event.time,
          evidence: {
            reasons: [
              `signed in from ${before} then ${event.geo_country} ${Math.round((time - beforeAt) / 60_000)} min later: at least ${Math.round(km)} km, ${Math.round(speed)} km/h`,
            ],
            events: [
              {
                event_id: beforeId,
                kind: 'auth',
                time: new Date(beforeAt).toISOString(),
                principal_id: event.principal_id,
                geo_country: before,
              },
              evidenceOf(event),
            ],
            baseline: { max_speed_kmh: this.options.maxSpeedKmh, slack_km: this.options.slackKm, distance_km: Math.round(km) },
          },
        },
        `${beforeAt}:${time}`,
      ),
    ];
  }
}
