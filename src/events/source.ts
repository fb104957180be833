// The contract every source normalizer implements: detect its shape, map one record.
import type { Kind } from './schema.js';
import type { Json } from './fields.js';

export interface NormalizeContext {
  /** Key for token HMACs; a raw token never leaves a normalizer. */
  hmacKey: Buffer;
  /** When the pipeline observed the record (ISO). */
  observedTime: string;
  /** Tenant for sources that do not carry one. */
  defaultTenant: string;
}

/** What a source maps a record to before defaults and validation. */
export type Draft = Json & { kind: Kind };

export type SourceResult =
  | {
      draft: Draft;
      /**
       * Further events the same record carries (an Entra sign-in's Conditional Access decisions,
       * the device's posture), each with its own deterministic event id derived from the
       * record's id and what it is, e.g. deriveEventId(signInId, 'ca', policyId).
       */
      related?: Draft[];
    }
  /** Not an access event: counted with the vendor's event type, never rejected. */
  | { skip: string };

export interface SourceNormalizer {
  readonly name: string;
  /** True when the record has this source's shape. Cheap and side-effect free. */
  detect(record: Json): boolean;
  normalize(record: Json, ctx: NormalizeContext): SourceResult;
}
