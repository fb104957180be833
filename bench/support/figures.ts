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

/** Clock ticks per second of /proc/PID/stat's CPU times (Linux's USER_HZ: 100 on every architecture it runs on). */
const USER_HZ = 100;

/** CPU seconds a process has used so far, every thread (utime + stime); undefined once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

export interface ProcessFigures {
  peakRssMiB: number;
  /** CPU seconds used, every thread, as last sampled (at most `everyMs` before it exited). */
  cpuSeconds: number;
}

/**
 * Samples a process's peak RSS and CPU time until stopped; the process may exit meanwhile. CPU
 * per event is the figure a busy machine moves least: a process slowed by others waits, it does
 * not spend more.
 */
export function watchProcess(pid: number, everyMs = 200): () => ProcessFigures {
  let peak = 0;
  let cpu = 0;
  const sample = () => {
    peak = Math.max(peak, peakRssMiB(pid));
    cpu = cpuSeconds(pid) ?? cpu;
  };
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return { peakRssMiB: peak, cpuSeconds: cpu };
  };
}

/** The last line every benchmark prints: its figures, machine-readable. */
export function printFigures(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}
