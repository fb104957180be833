// What a vendor shape of the gateways and posture agents is to the simulator: which events it can
// tell, the truth as it tells it, and its rendering. Unlike an IdP's or OPA's records, most of
// these carry no tenant (a Cloudflare account, a ZPA customer and a Teleport cluster are the
// pipeline's default tenant), and each names its own emitter and enforcement point: the truth is
// conformed to that before the scenarios see it, so what they change is what the records say.
import type { Json } from '../events/fields.js';
import type { Rng } from './rng.js';
import type { Truth } from './shapes.js';

export interface VendorShape {
  /** The source that reads it, when that is not the shape's own name (a second form of a source's records). */
  source?: string;
  /** Its records carry no time (the pipeline times them when it observes them): only a simulator on the wall clock renders it. */
  untimed?: true;
  /** False when the truth holds what the shape cannot say (a decision error, an IdP failure). */
  carries(truth: Truth): boolean;
  /** The truth as this shape tells it, changed in place: tenant, emitter, what it leaves out. */
  conform(truth: Truth, defaultTenant: string): void;
  render(truth: Truth, rng: Rng): Json;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** An instant as ctime writes it in UTC (`Fri Nov 20 08:20:01 2026`), the form of Zscaler's LogTimestamp. */
export function ctime(iso: string): string {
  const d = new Date(iso);
  const clock = d.toISOString().slice(11, 19);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${clock} ${d.getUTCFullYear()}`;
}

/** An instant cut to whole seconds: what a shape with second-resolution times can say. */
export const wholeSeconds = (iso: string): string => `${iso.slice(0, 19)}.000Z`;

/** An OS as `name version` (the world's `macOS 15.1`): its two parts, as posture agents report them apart. */
export function osParts(os: unknown): [name: string, version: string] {
  const text = String(os ?? 'unknown');
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
}

/** Drops the fields a shape does not carry from the truth. */
export function leaveOut(truth: Truth, ...fields: string[]): void {
  for (const field of fields) delete truth[field];
}
