// One record's bytes → a validated canonical event, a skip (not an access event) or a
// reject with its reason. Pure: the same bytes and context give the same answer.
import { z } from 'zod';
import { escapeUnprintable, eventSchemaByKind, KINDS, textFields, type CanonicalEvent, type Kind, type TextKind } from './schema.js';
import { compileParser, INVALID } from './fastParse.js';
import { isObject, redactSecrets, type Json } from './fields.js';
import { ocsfIds } from './ocsf.js';
import type { Draft, NormalizeContext, SourceNormalizer } from './source.js';
import { SOURCES, sourceNamed } from './sources/index.js';

/** `auto` detects the source of each record; a name takes only that source's records. */
export const SOURCE_NAMES = ['auto', ...SOURCES.map((s) => s.name)] as const;
export type SourceChoice = (typeof SOURCE_NAMES)[number];

export interface NormalizeOptions extends NormalizeContext {
  source: SourceChoice;
  /** Records larger than this are rejected unparsed. */
  maxBytes: number;
}

export type NormalizeOutcome =
  /** `event` is the record's own; `related` the further events it carries, in the source's order. */
  | { status: 'normalized'; event: CanonicalEvent; related: readonly CanonicalEvent[] }
  | { status: 'skipped'; source: string; eventType: string }
  | { status: 'rejected'; reason: string };

// Shared by every record without related events: no array per record on the hot path.
const NO_RELATED: readonly CanonicalEvent[] = Object.freeze([]);

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Every text field is redacted; free text is also made printable. An unprintable identifier
// is left for the schema to reject: escaped, it would no longer match the same id elsewhere.
type TextFieldsByKind = Record<Kind, ReadonlyMap<string, TextKind>>;
const TEXT_FIELDS = Object.fromEntries(KINDS.map((kind) => [kind, textFields(eventSchemaByKind[kind])])) as TextFieldsByKind;
const CLEAN: Record<TextKind, (text: string) => string> = {
  identifier: redactSecrets,
  'free text': (text) => escapeUnprintable(redactSecrets(text)),
};

export function normalizeRecord(raw: Uint8Array | string, options: NormalizeOptions): NormalizeOutcome {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > options.maxBytes) return reject(`record is ${size} bytes, over the ${options.maxBytes}-byte limit`);
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    return reject('record is not valid UTF-8');
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    // V8 quotes the record's first characters, which may be a secret's: left out.
    return reject(`not JSON: ${(err as Error).message.replace(/, ".*"(?:\.\.\.)? is not valid JSON$/s, ', not valid JSON')}`);
  }
  if (!isObject(record)) return reject(`expected one JSON object per record, got ${Array.isArray(record) ? 'an array' : typeof record}`);

  const source = pickSource(record, options.source);
  if (!source) {
    return reject(options.source === 'auto' ? 'unrecognized event shape: no supported source matches' : `not a ${options.source} event`);
  }
  const result = source.normalize(record, options);
  if ('skip' in result) return { status: 'skipped', source: source.name, eventType: result.skip };

  const parsed = validate(finalize(result.draft, options), result.draft.kind);
  if (typeof parsed === 'string') return reject(`${source.name}: ${parsed}`);
  if (!result.related?.length) return { status: 'normalized', event: parsed, related: NO_RELATED };
  // Each related event is validated as the record's own is; one invalid rejects the record, so nothing of it is stored half.
  const related: CanonicalEvent[] = [];
  for (const draft of result.related) {
    const each = validate(finalize(draft, options), draft.kind);
    if (typeof each === 'string') return reject(`${source.name} (its related ${draft.kind} event): ${each}`);
    related.push(each);
  }
  return { status: 'normalized', event: parsed, related };
}

// The kind's own schema, not the union: the draft's kind is known, and the union would look it up again.
const FAST_PARSERS = Object.fromEntries(KINDS.map((kind) => [kind, compileParser(eventSchemaByKind[kind])])) as Record<
  Kind,
  (v: unknown) => unknown
>;

/** The event, or why it is invalid: checked by the compiled schema, and by zod itself for the reason when that fails. */
function validate(draft: Json, kind: Kind): CanonicalEvent | string {
  const fast = FAST_PARSERS[kind](draft);
  if (fast !== INVALID) return fast as CanonicalEvent;
  const parsed = eventSchemaByKind[kind].safeParse(draft);
  return parsed.success ? (parsed.data as CanonicalEvent) : describeIssues(parsed.error);
}

function pickSource(record: Json, choice: SourceChoice): SourceNormalizer | undefined {
  if (choice === 'auto') return SOURCES.find((s) => s.detect(record));
  const named = sourceNamed(choice);
  return named?.detect(record) ? named : undefined;
}

/**
 * Envelope defaults, OCSF ids, secret redaction and visible escapes: what every source shares.
 * Written into the draft, which each source builds afresh for this record: copying it here
 * was a measurable share of ingest time.
 */
function finalize(draft: Draft, ctx: NormalizeContext): Json {
  if (!('tenant' in draft)) draft.tenant = ctx.defaultTenant;
  if (!('observed_time' in draft)) draft.observed_time = ctx.observedTime;
  for (const [field, kind] of TEXT_FIELDS[draft.kind]) {
    const clean = CLEAN[kind];
    const value = draft[field];
    if (typeof value === 'string') draft[field] = clean(value);
    else if (Array.isArray(value)) draft[field] = value.map((v) => (typeof v === 'string' ? clean(v) : v));
  }
  const { ocsf_class_uid, ocsf_activity_id } = ocsfIds(draft.kind, draft);
  draft.ocsf_class_uid = ocsf_class_uid;
  draft.ocsf_activity_id = ocsf_activity_id;
  return draft;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}

const reject = (reason: string): NormalizeOutcome => ({ status: 'rejected', reason });
