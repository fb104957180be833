// Writing many lines to a stream or a file without ignoring backpressure.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class LineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly out: Writable,
    private readonly ownsStream = false,
    private readonly flushBytes = 64 * 1024,
  ) {}

  /** A writer to a new file, which close() ends. */
  static async toFile(path: string): Promise<LineWriter> {
    const stream = createWriteStream(path);
    await once(stream, 'open');
    return new LineWriter(stream, true);
  }

  async write(line: string): Promise<void> {
    this.buffer.push(line);
    this.size += line.length + 1;
    if (this.size >= this.flushBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  /** Flushes; a file this writer opened is also ended and waited for. */
  async close(): Promise<void> {
    await this.flush();
    if (!this.ownsStream) return;
    this.out.end();
    await once(this.out, 'finish');
  }
}
