// Allowed while non-compliant: a policy decision allowed a device whose latest posture report
// failed a required check (disk encryption off, EDR stopped, …). A zero-trust policy gap: the
// posture was known and not enforced. Per device: its latest report's time, failed required
// checks (as bits), agent version (interned) and event id. A device is keyed by its id alone: a
// posture feed may carry no tenant (ZPA's status, a device-management export) and land in the
// pipeline's default one, while the device's decisions carry their tenant.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, type Anomaly } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface NoncompliantAccessOptions extends KeyedSlotsOptions {
  /** Checks a device must pass, by the names posture sources give them (Intune's `encryption`); a report non-compliant naming none of them counts too; at most 30. */
  requiredChecks: readonly string[];
  /** A report older than this says nothing about the device now (agents report every few minutes). */
  maxReportAgeMs: number;
  score: number;
}

export const DEFAULT_NONCOMPLIANT_ACCESS: NoncompliantAccessOptions = {
  requiredChecks: ['disk_encryption', 'encryption', 'edr_running', 'firewall', 'os_patch_level'],
  maxReportAgeMs: 30 * 60_000,
  score: 65,
  maxKeys: 200_000,
  idleMs: 24 * 3600_000,
};

// Int32 words after tenant and principal: failed required checks (bit 30: non-compliant with no check named), raised for this report, agent version, the report's event id.
const FAILED = 2;
const RAISED = 3;
const AGENT = 4;
const EVENT_ID = 5;
const UNNAMED = 1 << 30;
// Float64 words after last seen: the report's time.
const REPORTED = 1;

export class NoncompliantAccessScorer {
  private readonly state: KeyedSlots;
  private readonly eventIds = new EventIdCells();

  constructor(private readonly options: NoncompliantAccessOptions = DEFAULT_NONCOMPLIANT_ACCESS) {
    this.state = new KeyedSlots(EVENT_ID + EVENT_ID_WORDS, 2, [AGENT], options);
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    if (!event.device_id) return [];
    const key = `device:${event.device_id}`;
    const time = Date.parse(event.time);
    if (event.kind === 'posture') {
      // A report replayed from the store by a keyed rebuild carries no compliance: it says nothing.
      if (typeof event.compliant !== 'boolean') return [];
      const failed = this.failedChecks(event);
      const known = this.state.find(key);
      // A feed that stamps to the second (ZPA) may have reported up to a second after its stamp.
      const wholeSecond = time % 1000 === 0;
      // A compliant device is held only to replace a failed report (most reports pass), or, stamped
      // to the second, to stand against a failed report stamped within that second.
      if (failed === 0 && known === undefined && !wholeSecond) return [];
      const { slot } = this.state.slot(key, event.tenant, event.principal_id, time);
      const i = slot * this.state.ints;
      const f = slot * this.state.floats + REPORTED;
      const held = this.state.pool.floats[f]!;
      // Which of two reports within that second came last is unknown: a pass among them is believed.
      const unordered = (wholeSecond && held >= time && held - time < 1000) || (held % 1000 === 0 && time >= held && time - held < 1000);
      if (time < held) {
        if (unordered && failed === 0) this.state.pool.ints[i + FAILED] = 0;
        return []; // an older report than the one held
      }
      if (unordered && failed !== 0 && this.state.pool.ints[i + FAILED] === 0) return [];
      // A device that keeps reporting the same failed checks is one gap, raised once: again only
      // once it passed, failed other checks, or went silent longer than a report holds.
      const same = this.state.pool.ints[i + FAILED] === failed && held > 0 && time - held <= this.options.maxReportAgeMs;
      this.state.pool.ints[i + FAILED] = failed;
      if (!same) this.state.pool.ints[i + RAISED] = 0;
      this.state.setString(slot, AGENT, event.agent_version);
      this.eventIds.write(this.state.pool.ints, i + EVENT_ID, event.event_id);
      this.state.pool.floats[f] = time;
      return [];
    }
    if (event.kind !== 'policy' || event.decision !== 'allow') return [];
    const slot = this.state.find(key);
    if (slot === undefined) return [];
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const reportedAt = floats[slot * this.state.floats + REPORTED]!;
    // Posture feeds often time a report to the second (Intune, Google, ZPA): a decision within
    // that second may have come before it, when the device still passed.
    if (ints[i + FAILED] === 0 || ints[i + RAISED] || time < reportedAt + 1000 || time > reportedAt + this.options.maxReportAgeMs)
      return [];
    ints[i + RAISED] = 1;
    const failed = this.options.requiredChecks.filter((_, k) => ints[i + FAILED]! & (1 << k));
    const agent = this.state.string(slot, AGENT);
    return [
      anomaly(
        {
          type: 'noncompliant_access',
          kind: 'allowed-while-noncompliant',
          score: this.options.score,
          tenant: event.tenant,
          key: `device:${event.device_id}`,
          time: event.time,
          evidence: {
            reasons: [
              `allowed by ${event.policy_id ?? 'a policy'}${event.policy_version ? `@${event.policy_version}` : ''} while the device's latest posture report failed ${failed.length ? failed.join(', ') : 'compliance'}`,
            ],
            events: [
              {
                event_id: this.eventIds.read(ints, i + EVENT_ID),
                kind: 'posture',
                time: new Date(reportedAt).toISOString(),
                principal_id: this.state.principal(slot),
                device_id: event.device_id,
                compliant: false,
              },
              evidenceOf(event),
            ],
            baseline: { failed_checks: failed, required_checks: [...this.options.requiredChecks], agent_version: agent },
          },
        },
        `report:${reportedAt}`,
      ),
    ];
  }

  /** The required checks the report failed, as bits; non-compliant naming none of them is a bit of its own. */
  private failedChecks(event: Extract<CanonicalEvent, { kind: 'posture' }>): number {
    let failed = 0;
    const checks = event.checks ?? [];
    for (const check of checks)
      if (!check.passed) {
        const k = this.options.requiredChecks.indexOf(check.name);
        if (k >= 0 && k < 30) failed |= 1 << k;
      }
    return failed === 0 && !event.compliant && !checks.some((c) => !c.passed) ? UNNAMED : failed;
  }
}
