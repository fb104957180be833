// Writing many lines to a stream without ignoring backpressure.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class LineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly out: Writable, private readonly flushBytes = 64 * 1024) {}

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
}
