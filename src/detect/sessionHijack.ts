// Session hijack: a session signed in from a browser, then used from another network by a
// script (curl, python-requests, Go-http-client, …): its cookie or token taken and replayed.
// Per session: the network and user agent it was signed in from (interned), when, and its event.
import type { CanonicalEvent } from '../events/index.js';
import { anomaly, evidenceOf, networkOf, type Anomaly } from './anomaly.js';
import { EVENT_ID_WORDS, EventIdCells } from './eventIds.js';
import { KeyedSlots, type KeyedSlotsOptions } from './keyedSlots.js';

export interface SessionHijackOptions extends KeyedSlotsOptions {
  /** User agents of scripts and HTTP libraries, not people's browsers (a regular expression, case-insensitive). */
  scriptedAgents: string;
  score: number;
}

export const DEFAULT_SESSION_HIJACK: SessionHijackOptions = {
  scriptedAgents:
    '^(curl|wget|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|java|apache-httpclient|axios|node-fetch|undici|libwww-perl|powershell|postmanruntime)\\b',
  score: 80,
  maxKeys: 200_000,
  idleMs: 24 * 3600_000,
};

// Int32 words after tenant and principal: the sign-in's network and user agent (interned), flags, its event id.
const NETWORK = 2;
const USER_AGENT = 3;
const FLAGS = 4;
const EVENT_ID = 5;
const SIGNED_IN = 1;
const RAISED = 2;
// Float64 words after last seen: the sign-in's time.
const SIGN_IN = 1;

export class SessionHijackScorer {
  private readonly state: KeyedSlots;
  private readonly eventIds = new EventIdCells();
  private readonly scripted: RegExp;

  constructor(private readonly options: SessionHijackOptions = DEFAULT_SESSION_HIJACK) {
    this.state = new KeyedSlots(EVENT_ID + EVENT_ID_WORDS, 2, [NETWORK, USER_AGENT], options);
    this.scripted = new RegExp(options.scriptedAgents, 'i');
  }

  get keys(): KeyedSlots {
    return this.state;
  }

  observe(event: CanonicalEvent): Anomaly[] {
    // Auth and policy events: they go where the principal's do (keyed scoring), so one replica holds the session.
    if (!event.session_id || (event.kind !== 'auth' && event.kind !== 'policy')) return [];
    if (event.kind === 'auth' && event.outcome !== 'success') return [];
    const time = Date.parse(event.time);
    const { slot, created } = this.state.slot(`${event.tenant}/session:${event.session_id}`, event.tenant, event.principal_id, time);
    const { ints, floats } = this.state.pool;
    const i = slot * this.state.ints;
    const signIn = event.kind === 'auth';
    // The context is the sign-in's; a session first seen in use takes that use's until a sign-in comes.
    if (created || (signIn && !(ints[i + FLAGS]! & SIGNED_IN))) {
      this.state.setString(slot, NETWORK, networkOf(event.src_ip));
      this.state.setString(slot, USER_AGENT, event.user_agent);
      this.eventIds.write(ints, i + EVENT_ID, event.event_id);
      floats[slot * this.state.floats + SIGN_IN] = time;
      if (signIn) ints[i + FLAGS]! |= SIGNED_IN;
      return [];
    }
    if (ints[i + FLAGS]! & RAISED) return [];
    const network = networkOf(event.src_ip);
    const signedFrom = this.state.string(slot, NETWORK);
    const signedWith = this.state.string(slot, USER_AGENT);
    if (!network || !signedFrom || network === signedFrom) return [];
    if (!event.user_agent || !this.scripted.test(event.user_agent) || (signedWith !== undefined && this.scripted.test(signedWith)))
      return [];
    ints[i + FLAGS]! |= RAISED;
    const signedAt = new Date(floats[slot * this.state.floats + SIGN_IN]!).toISOString();
    return [
      anomaly(
        {
          type: 'session_hijack',
          kind: 'session-hijack',
          score: this.options.score,
          tenant: event.tenant,
          key: `session:${event.session_id}`,
          time: event.time,
          evidence: {
            reasons: [`session signed in from ${signedFrom} used from ${network} by a script (${event.user_agent})`],
            events: [
              {
                event_id: this.eventIds.read(ints, i + EVENT_ID),
                kind: ints[i + FLAGS]! & SIGNED_IN ? 'auth' : event.kind,
                time: signedAt,
                principal_id: this.state.principal(slot),
                user_agent: signedWith,
              },
              evidenceOf(event),
            ],
            baseline: { principal: this.state.principal(slot), network: signedFrom, user_agent: signedWith, signed_in_at: signedAt },
          },
        },
        'hijack',
      ),
    ];
  }
}
