// The registry of anomaly scorers: by name (the anomaly type each raises, and its metric
// label), each with its option defaults and a factory that fills the options left out.
import type { AnomalyType } from './anomaly.js';
import { CredentialStuffingScorer, DEFAULT_CREDENTIAL_STUFFING, type CredentialStuffingOptions } from './credentialStuffing.js';
import { DEFAULT_DENIAL_BURST, DenialBurstScorer, type DenialBurstOptions } from './denialBurst.js';
import { DEFAULT_IMPOSSIBLE_TRAVEL, ImpossibleTravelScorer, type ImpossibleTravelOptions } from './impossibleTravel.js';
import { DEFAULT_INCIDENTS, Incidents, type IncidentOptions } from './incidents.js';
import { DEFAULT_MFA_FATIGUE, MfaFatigueScorer, type MfaFatigueOptions } from './mfaFatigue.js';
import { DEFAULT_NEW_CONTEXT, NewContextScorer, type NewContextOptions } from './newContext.js';
import { DEFAULT_NONCOMPLIANT_ACCESS, NoncompliantAccessScorer, type NoncompliantAccessOptions } from './noncompliantAccess.js';
import type { Scorers } from './processor.js';
import { DEFAULT_SERVICE_CREDENTIAL, ServiceCredentialScorer, type ServiceCredentialOptions } from './serviceCredential.js';
import { DEFAULT_SESSION_HIJACK, SessionHijackScorer, type SessionHijackOptions } from './sessionHijack.js';
import { DEFAULT_TOKEN_REPLAY, TokenReplayScorer, type TokenReplayOptions } from './tokenReplay.js';

export interface ScorerEntry<Options, Scorer> {
  defaults: Readonly<Options>;
  /** A new scorer with these options, the defaults for the others. */
  create(options?: Partial<Options>): Scorer;
}

const entry = <Options, Scorer>(defaults: Options, make: (options: Options) => Scorer): ScorerEntry<Options, Scorer> => ({
  defaults,
  create: (options = {}) => make({ ...defaults, ...options }),
});

export const SCORERS = {
  token_replay: entry(DEFAULT_TOKEN_REPLAY, (options) => new TokenReplayScorer(options)),
  denial_burst: entry(DEFAULT_DENIAL_BURST, (options) => new DenialBurstScorer(options)),
  credential_stuffing: entry(DEFAULT_CREDENTIAL_STUFFING, (options) => new CredentialStuffingScorer(options)),
  mfa_fatigue: entry(DEFAULT_MFA_FATIGUE, (options) => new MfaFatigueScorer(options)),
  session_hijack: entry(DEFAULT_SESSION_HIJACK, (options) => new SessionHijackScorer(options)),
  impossible_travel: entry(DEFAULT_IMPOSSIBLE_TRAVEL, (options) => new ImpossibleTravelScorer(options)),
  noncompliant_access: entry(DEFAULT_NONCOMPLIANT_ACCESS, (options) => new NoncompliantAccessScorer(options)),
  secret_leak: entry(DEFAULT_SERVICE_CREDENTIAL, (options) => new ServiceCredentialScorer(options)),
  new_context: entry(DEFAULT_NEW_CONTEXT, (options) => new NewContextScorer(options)),
} satisfies Record<AnomalyType, ScorerEntry<object, unknown>>;

/** Options per scorer, as the configuration gives them; left out, the defaults. */
export interface ScorerOptions {
  tokenReplay?: Partial<TokenReplayOptions>;
  denialBurst?: Partial<DenialBurstOptions>;
  credentialStuffing?: Partial<CredentialStuffingOptions>;
  mfaFatigue?: Partial<MfaFatigueOptions>;
  sessionHijack?: Partial<SessionHijackOptions>;
  impossibleTravel?: Partial<ImpossibleTravelOptions>;
  noncompliantAccess?: Partial<NoncompliantAccessOptions>;
  serviceCredential?: Partial<ServiceCredentialOptions>;
  newContext?: Partial<NewContextOptions>;
  incidents?: Partial<IncidentOptions>;
}

/** One of each scorer, and the incidents they raise merged, for an AnomalyProcessor or an offline run. */
export function createScorers(options: ScorerOptions = {}): Scorers {
  return {
    tokenReplay: SCORERS.token_replay.create(options.tokenReplay),
    denialBurst: SCORERS.denial_burst.create(options.denialBurst),
    credentialStuffing: SCORERS.credential_stuffing.create(options.credentialStuffing),
    mfaFatigue: SCORERS.mfa_fatigue.create(options.mfaFatigue),
    sessionHijack: SCORERS.session_hijack.create(options.sessionHijack),
    impossibleTravel: SCORERS.impossible_travel.create(options.impossibleTravel),
    noncompliantAccess: SCORERS.noncompliant_access.create(options.noncompliantAccess),
    serviceCredential: SCORERS.secret_leak.create(options.serviceCredential),
    newContext: SCORERS.new_context.create(options.newContext),
    incidents: new Incidents({ ...DEFAULT_INCIDENTS, ...options.incidents }),
  };
}
