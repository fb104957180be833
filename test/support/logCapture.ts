// A pino logger writing into memory, so a test can read what the service logged.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  log: Logger;
  /** Each line so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Everything written, as text, to search for what must never be logged. */
  text(): string;
}

export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    log: pino({ level: 'info' }, stream),
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text,
  };
}
