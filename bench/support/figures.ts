// How every benchmark reports: rounds as min / median / max (the machine is shared and noisy: a
// ratio measured side by side holds, an absolute time does not), and last one JSON line of figures.
import { readFileSync } from 'node:fs';

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no rounds measured');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

export const formatSpread = (s: Spread, digits = 0, unit = '') =>
  `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}${unit}`;

/** A child process's peak resident memory so far (VmHWM), in MiB; 0 once it has exited. */
export function peakRssMiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's peak RSS until stopped; the process may exit meanwhile. */
export function watchPeakRss(pid: number, everyMs = 200): () => number {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssMiB(pid))), everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, peakRssMiB(pid));
  };
}

/** The last line every benchmark prints: its figures, machine-readable. */
export function printFigures(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}
