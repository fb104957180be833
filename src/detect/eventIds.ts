// Event ids kept as evidence, compactly: a UUID (what deriveEventId makes, and most vendors'
// ids) as four Int32 words; any other id as its string in a side map.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Words per id: a flag (1: packed UUID, 2: in the side map) and the UUID's 128 bits. */
export const EVENT_ID_WORDS = 5;

export class EventIdCells {
  /** Ids that are not lowercase UUIDs, by cell (the Int32 offset of their flag word). */
  private readonly others = new Map<number, string>();

  write(ints: Int32Array, at: number, id: string): void {
    this.clear(ints, at);
    if (UUID.test(id)) {
      const hex = id.replaceAll('-', '');
      ints[at] = 1;
      for (let w = 0; w < 4; w++) ints[at + 1 + w] = parseInt(hex.slice(8 * w, 8 * w + 8), 16) | 0;
    } else {
      ints[at] = 2;
      this.others.set(at, id);
    }
  }

  read(ints: Int32Array, at: number): string {
    if (ints[at] === 2) return this.others.get(at)!;
    let hex = '';
    for (let w = 0; w < 4; w++) hex += (ints[at + 1 + w]! >>> 0).toString(16).padStart(8, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Empties a cell (its side-map entry goes). */
  clear(ints: Int32Array, at: number): void {
    if (ints[at] === 2) this.others.delete(at);
    ints[at] = 0;
  }
}
