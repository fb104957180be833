// The contract every incident scenario implements, and the pieces they share: a scenario
// declares the ground truth it writes, and builds, for one window, what it does: change
// baseline events and/or emit its own.
import type { Rng } from './rng.js';
import type { Truth, VendorShapeName } from './shapes.js';
import type { Principal, Tenant, World } from './world.js';

/** When a scenario is active: [start, end) in ms since the epoch. */
export interface Span {
  start: number;
  end: number;
}

/** Whom a scenario targets: drawn alike for every scenario, before its own draws. */
export interface Target {
  tenant: Tenant;
  /** The tenant's people (its service accounts left out). */
  users: Principal[];
  /** One of them. */
  victim: Principal;
}

export interface ScenarioContext {
  world: World;
  /** For choosing victims: separate from the baseline's randomness. */
  rng: Rng;
  /** The common envelope of a principal's event at a time (src_ip, device, session …). */
  envelope(principal: Principal, kind: Truth['kind'], emitter: string, at: number, deviceIndex?: number): Truth;
}

/** What an active scenario does: change a baseline event, and/or emit its own events. */
export interface ScenarioEffects {
  /** Changes a baseline event in place; returns false to drop it (telemetry loss). */
  alter?(truth: Truth, rng: Rng): boolean;
  /**
   * Whether the event's emitter is down (crashed): the event is never made and takes no sequence
   * number; the emitter's first event once it is back starts its sequence again (a restart).
   */
  down?(truth: Truth): boolean;
  /** Time (ms) of this scenario's next own event, if any. */
  nextAt?(): number | undefined;
  /** This scenario's next own event (at nextAt()). */
  emit?(rng: Rng): Truth;
}

/** Ground truth values by key: who and what is involved (a principal, a network, token ids …). */
export type LabelKeys<K extends string = string> = Record<K, string | string[]>;

export interface Scenario<K extends string = string> {
  /** The keys of the ground truth it writes (--labels), in the order written. */
  labels: readonly K[];
  /**
   * The vendor shapes that can tell its own logins (`name/shape`): each carries every one of them
   * and keeps what their detection reads (a push, a country, the attacker's address).
   */
  shapes?: readonly VendorShapeName[];
  /** Its effects in one window, and their ground truth; draws from ctx.rng only. */
  build(target: Target, span: Span, ctx: ScenarioContext): ScenarioEffects & { keys: LabelKeys<K> };
}

/** Declares a scenario, checking that it writes a value for every label key it declares. */
export const defineScenario = <K extends string>(scenario: Scenario<K>): Scenario<K> => scenario;

// The vendors that can tell an attack's logins: a wrong password is Auth0's and Google's (Duo,
// a second factor, never sees one); a turned-down push is Duo's and Auth0's Guardian (a Google
// login cannot say push).
export const PASSWORD_FAILURE_SHAPES = ['auth0', 'google_workspace_login'] as const satisfies readonly VendorShapeName[];
export const PUSH_SHAPES = ['duo', 'auth0'] as const satisfies readonly VendorShapeName[];

/** An alteration that changes baseline events in place and drops none. */
export const changeInPlace =
  (change: (truth: Truth, rng: Rng) => void) =>
  (truth: Truth, rng: Rng): boolean => {
    change(truth, rng);
    return true;
  };

/** Own events built by `make`, one every `everyMs` through the span. */
export function periodic(
  span: Span,
  everyMs: number,
  make: (rng: Rng, at: number) => Truth,
): Required<Pick<ScenarioEffects, 'nextAt' | 'emit'>> {
  let at = span.start;
  return {
    nextAt: () => (at < span.end ? at : undefined),
    emit: (rng) => {
      const truth = make(rng, at);
      at += everyMs;
      return truth;
    },
  };
}

/** Own events in a fixed script, each at its time. */
export function scripted(events: Array<{ at: number; make: () => Truth }>): Required<Pick<ScenarioEffects, 'nextAt' | 'emit'>> {
  let i = 0;
  return { nextAt: () => events[i]?.at, emit: () => events[i++]!.make() };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
