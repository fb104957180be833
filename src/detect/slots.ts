// Fixed-size records in typed arrays: a scorer's per-key state as a slot number into one
// Int32Array and one Float64Array (grown by a quarter: the room not yet used is memory per key too),
// not an object per key.
export class SlotPool {
  ints: Int32Array;
  floats: Float64Array;
  private readonly free: number[] = [];
  private next = 0;

  /** Slots in use. */
  get live(): number {
    return this.next - this.free.length;
  }

  constructor(
    /** Int32 words per slot. */
    readonly intStride: number,
    /** Float64 words per slot. */
    readonly floatStride: number,
    initialSlots = 256,
  ) {
    this.ints = new Int32Array(initialSlots * intStride);
    this.floats = new Float64Array(initialSlots * floatStride);
  }

  /** A slot, zeroed; its first Int32 word is at slot × intStride, its first Float64 at slot × floatStride. */
  alloc(): number {
    const slot = this.free.pop() ?? this.next++;
    if ((slot + 1) * this.intStride > this.ints.length) this.grow();
    this.ints.fill(0, slot * this.intStride, (slot + 1) * this.intStride);
    this.floats.fill(0, slot * this.floatStride, (slot + 1) * this.floatStride);
    return slot;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  private grow(): void {
    const slots = Math.ceil((this.ints.length / this.intStride) * 1.25);
    const ints = new Int32Array(slots * this.intStride);
    ints.set(this.ints);
    this.ints = ints;
    const floats = new Float64Array(slots * this.floatStride);
    floats.set(this.floats);
    this.floats = floats;
  }
}
