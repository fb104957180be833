// A map of bounded size that forgets the least recently touched entry first (and entries idle
// too long). Recency is a doubly linked list over slot numbers in typed arrays; the Map only finds
// a key's slot and is never reordered: moving a key to the end by delete and set on every touch
// left a deleted entry in the key's hash chain each time, so a hot key's lookups slowed down
// with every touch until the table was rebuilt.
const NONE = -1;

export class BoundedMap<V> {
  private readonly index = new Map<string, number>();
  private readonly keys: Array<string | undefined> = [];
  private readonly stored: Array<V | undefined> = [];
  private older = new Int32Array(64);
  private newer = new Int32Array(64);
  private oldest = NONE;
  private newest = NONE;
  private readonly free: number[] = [];
  evictions = 0;

  constructor(
    private readonly cap: number,
    /** Told of every entry the map drops (evicted, expired or deleted), to free what it holds. */
    private readonly onDrop: (value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.index.size;
  }

  get(key: string): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    this.touch(slot);
    return this.stored[slot];
  }

  set(key: string, value: V): void {
    const slot = this.index.get(key);
    if (slot !== undefined) {
      const replaced = this.stored[slot]!;
      this.stored[slot] = value;
      if (replaced !== value) this.onDrop(replaced);
      this.touch(slot);
      return;
    }
    const fresh = this.free.pop() ?? this.keys.length;
    if (fresh >= this.older.length) this.grow();
    this.keys[fresh] = key;
    this.stored[fresh] = value;
    this.index.set(key, fresh);
    this.link(fresh);
    while (this.index.size > this.cap) {
      this.drop(this.oldest);
      this.evictions++;
    }
  }

  *values(): IterableIterator<V> {
    for (const slot of this.index.values()) yield this.stored[slot]!;
  }

  /** Drops every entry for which `drop` is true, wherever it is; how many it dropped. */
  deleteWhere(drop: (value: V, key: string) => boolean): number {
    let dropped = 0;
    for (const [key, slot] of this.index)
      if (drop(this.stored[slot]!, key)) {
        this.drop(slot);
        dropped++;
      }
    return dropped;
  }

  /** Drops entries for which `expired` is true (least recently touched first, stops at the first live one). */
  sweep(expired: (value: V) => boolean): void {
    while (this.oldest !== NONE && expired(this.stored[this.oldest]!)) this.drop(this.oldest);
  }

  private drop(slot: number): void {
    const value = this.stored[slot]!;
    this.index.delete(this.keys[slot]!);
    this.unlink(slot);
    this.keys[slot] = undefined;
    this.stored[slot] = undefined;
    this.free.push(slot);
    this.onDrop(value);
  }

  private touch(slot: number): void {
    if (slot === this.newest) return;
    this.unlink(slot);
    this.link(slot);
  }

  /** Links the slot in as the newest. */
  private link(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = slot;
    this.newest = slot;
    if (this.oldest === NONE) this.oldest = slot;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === NONE) this.oldest = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.newest = older;
    else this.older[newer] = older;
  }

  private grow(): void {
    for (const name of ['older', 'newer'] as const) {
      const grown = new Int32Array(Math.ceil(this[name].length * 1.25));
      grown.set(this[name]);
      this[name] = grown;
    }
  }
}
