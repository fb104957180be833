// A new device or a new country for a principal: low on its own (people buy laptops and travel),
// and a reason to take other anomalies of the same principal more seriously (incidents.ts raises
// their score). A principal's usual context is learnt from its first events with a device; after them, a
// device or country not among the last few seen is new. Per principal: the last 4 devices and
// countries (interned rings), events seen.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, type Anomaly } from './anomaly.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface NewContextOptions extends KeyedSlotsOptions {
  /** Events of a principal with a device seen before anything is new: its usual devices and country are learnt from them. */
  learnEvents: number;
  deviceScore: number;
  countryScore: number;
}

export const DEFAULT_NEW_CONTEXT: NewContextOptions = {
  learnEvents: 20,
  deviceScore: 20,
  countryScore: 30,
  maxKeys: 200_000,
  idleMs: 7 * 24 * 3600_000,
};

/** Devices and countries remembered per principal. */
const KEPT = 4;
// Int32 words after tenant and principal: events seen, the rings' next places, the devices, the countries.
const SEEN = 2;
const NEXT_DEVICE = 3;
const NEXT_COUNTRY = 4;
const DEVICES = 5;
const COUNTRIES = DEVICES + KEPT;
const INTS = COUNTRIES + KEPT;

export class NewContextScorer {
  private readonly state: KeyedSlots;

  constructor(private readonly options: NewContextOptions = DEFAULT_NEW_CONTEXT) {
    const interned = Array.from({ length: 2 * KEPT }, (_, k) => DEVICES + k);
    this.state = new KeyedSlots(INTS, 1, interned, options);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (!event.principal_id || (event.kind !== 'auth' && event.kind !== 'policy')) return [];
    // What a principal presented and was let in with: a failed login may be anyone's.
    if ((event.kind === 'auth' && event.outcome !== 'success') || (event.kind === 'policy' && event.decision !== 'allow')) return [];
    const time = Date.parse(event.time);
    const { slot } = this.state.slot(`${event.tenant}/principal:${event.principal_id}`, event.tenant, event.principal_id, time);
    const ints = this.state.pool.ints;
    const i = slot * this.state.ints;
    // Many sources name no device: only events that do teach the principal's devices.
    const learning = ints[i + SEEN]! < this.options.learnEvents;
    if (learning && event.device_id) ints[i + SEEN]!++;
    const newDevice = this.state.remember(slot, DEVICES, NEXT_DEVICE, KEPT, event.device_id);
    const newCountry = this.state.remember(slot, COUNTRIES, NEXT_COUNTRY, KEPT, event.geo_country);
    if (learning || (!newDevice && !newCountry)) return [];
    const reasons = [
      ...(newDevice ? [`new device ${event.device_id} for the principal`] : []),
      ...(newCountry ? [`new country ${event.geo_country} for the principal`] : []),
    ];
    return [
      anomaly(
        {
          type: 'new_context',
          kind: newCountry ? 'new-country' : 'new-device',
          score: (newDevice ? this.options.deviceScore : 0) + (newCountry ? this.options.countryScore : 0),
          tenant: event.tenant,
          key: `principal:${event.principal_id}`,
          time: event.time,
          evidence: {
            reasons,
            events: [evidenceOf(event)],
            baseline: {
              devices: this.state.ring(slot, DEVICES, KEPT),
              countries: this.state.ring(slot, COUNTRIES, KEPT),
              learnt_from_events: this.options.learnEvents,
            },
          },
        },
        [newDevice ? `device:${event.device_id}` : '', newCountry ? `country:${event.geo_country}` : ''].join('/'),
      ),
    ];
  }
}
