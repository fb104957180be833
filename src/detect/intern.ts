// Strings a scorer's state refers to (principals, apps, networks, user agents, …), each held
// once and named by a small integer. References are counted: an entry is freed when the last
// key holding it goes, so the table never holds more strings than the scorer's keys refer to.
export class InternTable {
  private readonly ids = new Map<string, number>();
  /** By id; id 0 is "none". */
  private readonly strings: Array<string | undefined> = [undefined];
  private refs = new Int32Array(1024);
  private readonly free: number[] = [];

  /** Distinct strings held. */
  get size(): number {
    return this.ids.size;
  }

  /** The id of a string with one reference more (0 for none, never counted). */
  acquire(s: string | undefined): number {
    if (s === undefined) return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
      if (id === this.strings.length) this.strings.push(s);
      else this.strings[id] = s;
      if (id >= this.refs.length) {
        const grown = new Int32Array(this.refs.length * 2);
        grown.set(this.refs);
        this.refs = grown;
      }
      this.ids.set(s, id);
    }
    this.refs[id]!++;
    return id;
  }

  /** One reference less; the string goes with its last one. */
  release(id: number): void {
    if (id === 0 || --this.refs[id]! > 0) return;
    this.ids.delete(this.strings[id]!);
    this.strings[id] = undefined;
    this.free.push(id);
  }

  /** The string of an id (undefined for 0). */
  get(id: number): string | undefined {
    return this.strings[id];
  }

  /** The id a string has now, without a reference (0 if it is not held). */
  peek(s: string | undefined): number {
    return s === undefined ? 0 : (this.ids.get(s) ?? 0);
  }
}
