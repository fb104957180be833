// An API key entry's optional expiry, its last field: `exp=YYYY-MM-DD`, the key refused from
// 00:00 UTC of that day. A date, not a time: an entry's fields are separated by `:`.

export const EXPIRY_FIELD = 'exp=';

/** Whether an entry's field after the hash is its expiry rather than its tenants. */
export const isExpiryField = (field: string | undefined) => field?.startsWith(EXPIRY_FIELD) ?? false;

/** The instant an `exp=YYYY-MM-DD` field means; undefined when it is not a real date in that form. */
export function expiryOf(field: string): Date | undefined {
  const date = field.slice(EXPIRY_FIELD.length);
  const instant = new Date(`${date}T00:00:00.000Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(instant.getTime()) && dayOf(instant) === date ? instant : undefined;
}

/** The `YYYY-MM-DD` of an instant, in UTC. */
export const dayOf = (instant: Date) => instant.toISOString().slice(0, 10);

/** Why a key whose entry has expired is refused, or undefined while it is valid. */
export function expiredReason(key: { name: string; expires?: Date | undefined }, now: Date): string | undefined {
  return key.expires && key.expires <= now ? `API key ${key.name} expired on ${dayOf(key.expires)}` : undefined;
}
