// A window or span given as a duration: 5m, 1h, 6h, 1d, 30d.
import { z } from 'zod';

const DURATION = /^(\d{1,4})(m|h|d)$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;

/** A duration like 1h as its text and seconds, between 1m and 90d. */
export const Duration = z
  .string()
  .regex(DURATION, 'a duration like 5m, 1h, 6h, 1d or 30d')
  .transform((w) => {
    const [, n, unit] = DURATION.exec(w)!;
    return { text: w, seconds: Number(n) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS] };
  })
  .refine((w) => w.seconds > 0 && w.seconds <= 90 * 86400, 'between 1m and 90d');

/** A duration parameter, `defaultText` when left out. */
export const durationParam = (defaultText: string) => z.string().default(defaultText).pipe(Duration);

/** Seconds as the duration text that names them (3600 → 1h, 90 → 2m rounded up). */
export const durationText = (seconds: number) =>
  seconds % 86400 === 0 ? `${seconds / 86400}d` : seconds % 3600 === 0 ? `${seconds / 3600}h` : `${Math.ceil(seconds / 60)}m`;
