// One record's bytes → a validated canonical event, a skip (not an access event) or a
// reject with its reason. Pure: the same bytes and context give the same answer.
import { z } from 'zod';
import { CanonicalEvent, escapeUnprintable, eventSchemaByKind, KINDS, textFields, type Kind, type TextKind } from './schema.js';
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
  | { status: 'normalized'; event: CanonicalEvent }
  | { status: 'skipped'; source: string; eventType: string }
  | { status: 'rejected'; reason: string };

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

  const parsed = CanonicalEvent.safeParse(finalize(result.draft, options));
  if (!parsed.success) return reject(`${source.name}: ${describeIssues(parsed.error)}`);
  return { status: 'normalized', event: parsed.data };
}

function pickSource(record: Json, choice: SourceChoice): SourceNormalizer | undefined {
  if (choice === 'auto') return SOURCES.find((s) => s.detect(record));
  const named = sourceNamed(choice);
  return named?.detect(record) ? named : undefined;
}

/** Envelope defaults, OCSF ids, secret redaction and visible escapes: what every source shares. */
function finalize(draft: Draft, ctx: NormalizeContext): Json {
  const event: Json = { tenant: ctx.defaultTenant, observed_time: ctx.observedTime, ...draft };
  for (const [field, kind] of TEXT_FIELDS[draft.kind]) {
    const clean = CLEAN[kind];
    const value = event[field];
    if (typeof value === 'string') event[field] = clean(value);
    else if (Array.isArray(value)) event[field] = value.map((v) => (typeof v === 'string' ? clean(v) : v));
  }
  return { ...event, ...ocsfIds(draft.kind, draft) };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
}

const reject = (reason: string): NormalizeOutcome => ({ status: 'rejected', reason });
