// Our own wire format: the canonical event, with conveniences for emitters — event_id,
// observed_time, tenant and the OCSF ids may be omitted, and a token event may carry
// the raw `token`, which is replaced here by its HMAC.
import { KINDS } from '../schema.js';
import { deriveEventId, str, tokenFingerprint, type Json } from '../fields.js';
import type { Draft, NormalizeContext, SourceNormalizer, SourceResult } from '../source.js';

export const nativeSource: SourceNormalizer = {
  name: 'native',
  detect: (record) => typeof record.kind === 'string' && (KINDS as readonly string[]).includes(record.kind) && 'time' in record,
  normalize(record: Json, ctx: NormalizeContext): SourceResult {
    const draft = { ...record } as Draft;
    const rawToken = str(draft.token);
    delete draft.token;
    if (draft.kind === 'token' && draft.token_id === undefined && rawToken) draft.token_id = tokenFingerprint(ctx.hmacKey, rawToken);
    draft.source ??= 'native';
    if (draft.event_id === undefined) {
      draft.event_id =
        draft.emitter_seq !== undefined
          ? // The time is part of it: an emitter that restarts its sequence must not reuse ids.
            deriveEventId('native', str(draft.tenant), str(draft.emitter_id), str(draft.emitter_seq), str(draft.time))
          : deriveEventId('native', JSON.stringify(record, Object.keys(record).sort()));
    }
    return { draft };
  },
};
