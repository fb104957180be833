// Bounded label values: the first `cap` distinct values of a label are kept, the rest
// become `other`, so an attacker or a bug cannot explode the metric series.
export const OTHER = 'other';

export class LabelLimiter {
  private readonly seen = new Map<string, Set<string>>();

  constructor(
    private readonly cap: number,
    private readonly other = OTHER,
  ) {}

  limit(label: string, value: string | undefined): string {
    if (value === undefined || value === '') return '';
    let values = this.seen.get(label);
    if (!values) this.seen.set(label, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.cap) return this.other;
    values.add(value);
    return value;
  }
}
