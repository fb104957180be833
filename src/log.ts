// Structured logs (pino) on stderr; stdout is left for a command's output.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'ztna-telemetry' } }, pino.destination(2));
}
export type { Logger };
