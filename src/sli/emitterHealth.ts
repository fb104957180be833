// Enforcement-point health (the guide's F7): an emitter (a PEP, a gateway, an IdP's log) that stops
// reporting while its peers (the other emitters of its tenant) still report. Silence is measured in
// event time against the newest event of the tenant, so a tenant whose traffic stops altogether is
// not a silence of each of its emitters, and an emitter without peers is never silent.
export interface EmitterHealthOptions {
  /** Silent past this (ms) counts as stopped. */
  silenceMs: number;
  /** Silent past this (ms) the emitter is forgotten (decommissioned): its series go. */
  forgetMs: number;
}

export interface EmitterSilence {
  tenant: string;
  emitter: string;
  silentSeconds: number;
  silent: boolean;
}

export class EmitterHealth {
  private readonly last = new Map<string, { tenant: string; at: number }>();
  private readonly newest = new Map<string, number>();

  constructor(private readonly options: EmitterHealthOptions) {}

  seen(tenant: string, emitter: string, at: number): void {
    const known = this.last.get(emitter);
    if (!known || at > known.at) this.last.set(emitter, { tenant, at });
    if (at > (this.newest.get(tenant) ?? -Infinity)) this.newest.set(tenant, at);
  }

  /** Each emitter's silence now, and the emitters forgotten since the last report. */
  report(): { emitters: EmitterSilence[]; forgotten: Array<{ tenant: string; emitter: string }> } {
    const emitters: EmitterSilence[] = [];
    const forgotten: Array<{ tenant: string; emitter: string }> = [];
    for (const [emitter, { tenant, at }] of this.last) {
      const silentMs = this.newest.get(tenant)! - at;
      if (silentMs > this.options.forgetMs) {
        this.last.delete(emitter);
        forgotten.push({ tenant, emitter });
        continue;
      }
      emitters.push({ tenant, emitter, silentSeconds: silentMs / 1000, silent: silentMs > this.options.silenceMs });
    }
    return { emitters, forgotten };
  }
}
