// The state the detections beyond replay and bursts share: per key one slot of typed arrays
// (SlotPool), strings interned (InternTable), keys found and bounded by BoundedMap (a cap, least
// recently seen forgotten first) and forgotten when idle. Word 0 of a slot is its tenant, word 1
// its principal (0 for none), Float64 word 0 when it was last seen; each scorer lays out the rest.
// Strings a key alone refers to (a stuffing run's users, each tried once) go in string cells
// instead: a reference in a flat array, without the intern table's map entry and count.
import type { PrincipalMatch } from './anomaly.js';
import { BoundedMap } from './boundedMap.js';
import { InternTable } from './intern.js';
import { SlotPool } from './slots.js';

export const TENANT = 0;
export const PRINCIPAL = 1;
export const LAST_SEEN = 0;

export interface KeyedSlotsOptions {
  /** Keys tracked at most (least recently seen forgotten first). */
  maxKeys: number;
  /** A key unseen for this long is forgotten. */
  idleMs: number;
}

export class KeyedSlots {
  readonly strings = new InternTable();
  readonly pool: SlotPool;
  private readonly keys: BoundedMap<number>;
  /** By slot × cells + cell: the strings of the slots' string cells. */
  private readonly cellStrings: Array<string | undefined> = [];
  private cellsHeld = 0;
  private observed = 0;

  constructor(
    readonly ints: number,
    readonly floats: number,
    /** The Int32 words of a slot that hold interned ids (the tenant and principal are always released). */
    private readonly interned: readonly number[],
    private readonly options: KeyedSlotsOptions,
    /** String cells per slot. */
    readonly cells = 0,
  ) {
    this.pool = new SlotPool(ints, floats);
    this.keys = new BoundedMap(options.maxKeys, (slot) => this.release(slot));
  }

  get size(): number {
    return this.keys.size;
  }

  get evictions(): number {
    return this.keys.evictions;
  }

  /** Slots in use, strings interned and string cells set. */
  get held(): { slots: number; strings: number; cells: number } {
    return { slots: this.pool.live, strings: this.strings.size, cells: this.cellsHeld };
  }

  /** The key's slot (undefined if it is not held), touched. */
  find(key: string): number | undefined {
    return this.keys.get(key);
  }

  /** The key's slot, created for this tenant and principal if new; seen at this time. Idle keys are swept now and then. */
  slot(key: string, tenant: string, principal: string | undefined, time: number): { slot: number; created: boolean } {
    if (++this.observed % 1000 === 0) this.keys.sweep((s) => this.pool.floats[s * this.floats + LAST_SEEN]! < time - this.options.idleMs);
    let slot = this.keys.get(key);
    const created = slot === undefined;
    if (slot === undefined) {
      slot = this.pool.alloc();
      this.pool.ints[slot * this.ints + TENANT] = this.strings.acquire(tenant);
      this.pool.ints[slot * this.ints + PRINCIPAL] = this.strings.acquire(principal);
      this.keys.set(key, slot);
    }
    const f = slot * this.floats + LAST_SEEN;
    this.pool.floats[f] = Math.max(this.pool.floats[f]!, time);
    return { slot, created };
  }

  tenant(slot: number): string {
    return this.strings.get(this.pool.ints[slot * this.ints + TENANT]!)!;
  }

  principal(slot: number): string | undefined {
    return this.strings.get(this.pool.ints[slot * this.ints + PRINCIPAL]!);
  }

  /** Replaces an interned word's string (the old one released). */
  setString(slot: number, word: number, value: string | undefined): void {
    const at = slot * this.ints + word;
    const id = this.strings.acquire(value);
    this.strings.release(this.pool.ints[at]!);
    this.pool.ints[at] = id;
  }

  string(slot: number, word: number): string | undefined {
    return this.strings.get(this.pool.ints[slot * this.ints + word]!);
  }

  /**
   * Whether the value is new to a ring of `kept` interned words from `ring` on (its next place in
   * the word `next`); a new one goes in, over the oldest. What a context scorer remembers: the
   * last few devices, countries or networks of a key.
   */
  remember(slot: number, ring: number, next: number, kept: number, value: string | undefined): boolean {
    if (value === undefined) return false;
    const ints = this.pool.ints;
    const i = slot * this.ints;
    const id = this.strings.peek(value);
    for (let k = 0; k < kept; k++) if (id !== 0 && ints[i + ring + k] === id) return false;
    this.setString(slot, ring + ints[i + next]!, value);
    ints[i + next] = (ints[i + next]! + 1) % kept;
    return true;
  }

  /** A ring's values (the last few remembered), for evidence. */
  ring(slot: number, ring: number, kept: number): string[] {
    return Array.from({ length: kept }, (_, k) => this.string(slot, ring + k)).filter((v): v is string => v !== undefined);
  }

  /** Sets a string cell of the slot (undefined empties it). */
  setCell(slot: number, cell: number, value: string | undefined): void {
    const at = slot * this.cells + cell;
    this.cellsHeld += Number(value !== undefined) - Number(this.cellStrings[at] !== undefined);
    this.cellStrings[at] = value;
  }

  cell(slot: number, cell: number): string | undefined {
    return this.cellStrings[slot * this.cells + cell];
  }

  /** Forgets the keys of the principal (`ztna forget`); how many. */
  forgetPrincipal(matches: PrincipalMatch): number {
    return this.keys.deleteWhere((slot) => {
      const principal = this.principal(slot);
      return principal !== undefined && matches(principal, this.tenant(slot));
    });
  }

  /** Forgets the keys for which `drop(key, tenant, principal)` is true (a keyed partition lost); how many. */
  dropWhere(drop: (key: string, tenant: string, principal: string | undefined) => boolean): number {
    return this.keys.deleteWhere((slot, key) => drop(key, this.tenant(slot), this.principal(slot)));
  }

  private release(slot: number): void {
    const i = slot * this.ints;
    this.strings.release(this.pool.ints[i + TENANT]!);
    this.strings.release(this.pool.ints[i + PRINCIPAL]!);
    for (const w of this.interned) this.strings.release(this.pool.ints[i + w]!);
    for (let c = 0; c < this.cells; c++) this.setCell(slot, c, undefined);
    this.pool.release(slot);
  }
}
