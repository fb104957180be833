// The event schemas compiled once into plain checks, for the happy path of every record: zod
// stays the single source of truth (every rule below is read from its definitions, and anything
// not understood here is checked by that part's own zod schema), but an event that passes no
// longer pays zod's general machinery, a third of normalization's CPU when profiled. An event
// that fails is parsed again by zod itself, whose issues are the reject's reason.
import type { z } from 'zod';

/** Checks a value and returns what zod would (defaults filled in, unknown keys dropped), or `INVALID`. */
type Parse = (value: unknown) => unknown;
/** One of a leaf's checks, given a value of the leaf's type. */
type Check = (value: unknown) => boolean;

export const INVALID: unique symbol = Symbol('invalid');

/** The zod internals this reads: each schema's `_zod.def` (type, checks, shape, inner types). */
interface Def {
  type: string;
  checks?: ReadonlyArray<{ _zod: { def: CheckDef } }>;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, unknown>;
  values?: readonly unknown[];
  format?: string;
  pattern?: RegExp;
}

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  value?: number | bigint;
  inclusive?: boolean;
  maximum?: number;
  minimum?: number;
  fn?: (value: unknown) => unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * A parser equal to `schema.safeParse` on every input (a property test holds it to that), that
 * returns the parsed value or `INVALID` and never builds an issue.
 */
export function compileParser(schema: z.ZodType): (value: unknown) => unknown {
  return compile(schema);
}

function compile(schema: z.ZodType): Parse {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return objectParser(def.shape!);
    case 'optional': {
      const inner = compile(def.innerType!);
      return (v) => (v === undefined ? undefined : inner(v));
    }
    case 'default': {
      const inner = compile(def.innerType!);
      // zod hands out a copy of an array or object default, so no two events share one.
      const fallback = def.defaultValue;
      const fresh = Array.isArray(fallback) ? () => [...(fallback as unknown[])] : () => fallback;
      return (v) => (v === undefined ? fresh() : inner(v));
    }
    case 'array':
      return arrayParser(compile(def.element!), def.checks ?? [], schema);
    case 'string':
      return leaf(schema, def, (v) => typeof v === 'string', stringCheck);
    case 'number':
      return leaf(schema, def, (v) => typeof v === 'number' && Number.isFinite(v), numberCheck);
    case 'boolean':
      return leaf(
        schema,
        def,
        (v) => typeof v === 'boolean',
        () => undefined,
      );
    case 'enum': {
      const values = new Set(Object.values(def.entries!));
      return leaf(
        schema,
        def,
        (v) => values.has(v),
        () => undefined,
      );
    }
    case 'literal': {
      const values = new Set(def.values);
      return leaf(
        schema,
        def,
        (v) => values.has(v),
        () => undefined,
      );
    }
    default:
      return delegate(schema);
  }
}

/** zod's own answer, for what is not compiled here (unions, formats with checks of their own). */
function delegate(schema: z.ZodType): Parse {
  return (v) => {
    const parsed = schema.safeParse(v);
    return parsed.success ? parsed.data : INVALID;
  };
}

function objectParser(shape: Record<string, z.ZodType>): Parse {
  const fields = Object.entries(shape).map(([key, field]) => ({ key, parse: compile(field) }));
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return INVALID;
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const { key, parse } of fields) {
      const parsed = parse(input[key]);
      if (parsed === INVALID) return INVALID;
      if (parsed !== undefined) out[key] = parsed;
    }
    return out;
  };
}

function arrayParser(element: Parse, checks: NonNullable<Def['checks']>, schema: z.ZodType): Parse {
  const limits = checks.map((c) => c._zod.def);
  if (limits.some((c) => c.check !== 'max_length' && c.check !== 'min_length')) return delegate(schema);
  const max = Math.min(...limits.filter((c) => c.check === 'max_length').map((c) => c.maximum!));
  const min = Math.max(0, ...limits.filter((c) => c.check === 'min_length').map((c) => c.minimum!));
  return (v) => {
    if (!Array.isArray(v) || v.length > max || v.length < min) return INVALID;
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const parsed = element(v[i]);
      if (parsed === INVALID) return INVALID;
      out[i] = parsed;
    }
    return out;
  };
}

/**
 * A value checked by its type and its checks, returned as it is. A check this does not know
 * (`compileCheck` returns undefined for it) leaves the whole leaf to zod.
 */
function leaf(schema: z.ZodType, def: Def, isType: (v: unknown) => boolean, compileCheck: (check: CheckDef) => Check | undefined): Parse {
  const own = formatCheck(def);
  const checks = (def.checks ?? []).map((c) => compileCheck(c._zod.def));
  if (own === null || checks.some((c) => c === undefined)) return delegate(schema);
  const all = [...(own ? [own] : []), ...(checks as Check[])];
  return (v) => {
    if (!isType(v)) return INVALID;
    for (let i = 0; i < all.length; i++) if (!all[i]!(v)) return INVALID;
    return v;
  };
}

/** A string format's own check (its pattern); null for a format with more to it than a pattern (ipv6), which zod checks. */
function formatCheck(def: Def): Check | undefined | null {
  if (!def.format) return undefined;
  if (!PATTERN_ONLY_FORMATS.has(def.format) || !def.pattern) return null;
  return patternTest(def.pattern);
}

/** String formats whose whole check in zod is their pattern. */
const PATTERN_ONLY_FORMATS = new Set(['datetime', 'date', 'time', 'ipv4', 'regex']);

function patternTest(pattern: RegExp): Check {
  return (v) => {
    pattern.lastIndex = 0;
    return pattern.test(v as string);
  };
}

function stringCheck(c: CheckDef): Check | undefined {
  switch (c.check) {
    case 'max_length':
      return (v) => (v as string).length <= c.maximum!;
    case 'min_length':
      return (v) => (v as string).length >= c.minimum!;
    case 'string_format':
      return c.format && PATTERN_ONLY_FORMATS.has(c.format) && c.pattern ? patternTest(c.pattern) : undefined;
    case 'custom':
      return customCheck(c);
    default:
      return undefined;
  }
}

function numberCheck(c: CheckDef): Check | undefined {
  const bound = Number(c.value);
  switch (c.check) {
    case 'number_format':
      return c.format === 'safeint' ? Number.isSafeInteger : undefined;
    case 'greater_than':
      return c.inclusive ? (v) => (v as number) >= bound : (v) => (v as number) > bound;
    case 'less_than':
      return c.inclusive ? (v) => (v as number) <= bound : (v) => (v as number) < bound;
    case 'custom':
      return customCheck(c);
    default:
      return undefined;
  }
}

/** A `.refine`: passes when its function answers truthy, as in zod; an async one is left to zod (which refuses it in a sync parse). */
function customCheck(c: CheckDef): Check | undefined {
  const fn = c.fn;
  if (!fn) return undefined;
  return (v) => {
    const answer = fn(v);
    return !(answer instanceof Promise) && Boolean(answer);
  };
}
