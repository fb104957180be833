// The time range every analyst route takes: ISO 8601 instants, `to` defaulting to now and
// `from` to a default span before it, bounded so that no request scans years of events.
import { z } from 'zod';

export const MAX_RANGE_DAYS = 90;
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export function timeRange<S extends z.ZodRawShape>(extra: S, defaultSpanMs: number) {
  return z
    .object({ from: instant.optional(), to: instant.optional(), ...extra })
    .transform((q) => {
      const given = q as { from?: Date; to?: Date };
      const to = given.to ?? new Date();
      return { ...q, to, from: given.from ?? new Date(to.getTime() - defaultSpanMs) };
    })
    .refine((q) => q.from < q.to, { message: 'from must be before to', path: ['from'] })
    .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_RANGE_DAYS * 86400_000, {
      message: `the range may span ${MAX_RANGE_DAYS} days at most`,
      path: ['to'],
    });
}
