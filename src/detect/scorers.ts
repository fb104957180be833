// The registry of anomaly scorers: by name (the anomaly type each raises, and its metric
// label), each with its option defaults and a factory that fills the options left out.
import type { AnomalyType } from './anomaly.js';
import { DEFAULT_DENIAL_BURST, DenialBurstScorer, type DenialBurstOptions } from './denialBurst.js';
import type { Scorers } from './processor.js';
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
} satisfies Record<AnomalyType, ScorerEntry<object, unknown>>;

/** Options per scorer, as the configuration gives them; left out, the defaults. */
export interface ScorerOptions {
  tokenReplay?: Partial<TokenReplayOptions>;
  denialBurst?: Partial<DenialBurstOptions>;
}

/** One of each scorer, for an AnomalyProcessor or an offline run. */
export function createScorers(options: ScorerOptions = {}): Scorers {
  return { tokenReplay: SCORERS.token_replay.create(options.tokenReplay), denialBurst: SCORERS.denial_burst.create(options.denialBurst) };
}
