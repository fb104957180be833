// Telemetry completeness from each emitter's sequence numbers. Received events are good
// and valid; a gap in the sequence is valid but not good once it has stayed open for the
// reorder window (in event time), so late arrivals inside the window are not counted as
// lost. A sequence that starts again near 1 is an emitter restart, not a loss.
export interface CompletenessOptions {
  /** How long (event time, ms) a gap may stay open before its events count as lost. */
  reorderWindowMs: number;
  /** A sequence number at or below this, after a higher one, means the emitter restarted. */
  restartMaxSeq: number;
}

interface Gap {
  from: number;
  to: number;
  openedAt: number;
}

interface EmitterState {
  highest: number;
  gaps: Gap[];
}

export type SeqObservation = 'received' | 'late' | 'duplicate' | 'restart';

export class CompletenessTracker {
  private readonly emitters = new Map<string, EmitterState>();
  private watermark = 0;

  constructor(private readonly options: CompletenessOptions) {}

  /** Records one event; 'duplicate' means it was seen already and counts for nothing. */
  observe(emitter: string, seq: number, timeMs: number): SeqObservation {
    this.watermark = Math.max(this.watermark, timeMs);
    const state = this.emitters.get(emitter);
    if (!state) {
      this.emitters.set(emitter, { highest: seq, gaps: [] });
      return 'received';
    }
    if (seq > state.highest) {
      if (seq > state.highest + 1) state.gaps.push({ from: state.highest + 1, to: seq - 1, openedAt: timeMs });
      state.highest = seq;
      return 'received';
    }
    const gapIndex = state.gaps.findIndex((g) => seq >= g.from && seq <= g.to);
    if (gapIndex !== -1) {
      const gap = state.gaps[gapIndex]!;
      const pieces: Gap[] = [];
      if (gap.from < seq) pieces.push({ from: gap.from, to: seq - 1, openedAt: gap.openedAt });
      if (seq < gap.to) pieces.push({ from: seq + 1, to: gap.to, openedAt: gap.openedAt });
      state.gaps.splice(gapIndex, 1, ...pieces);
      return 'late';
    }
    if (seq <= this.options.restartMaxSeq && state.highest > this.options.restartMaxSeq) {
      // Gaps from before the restart keep ageing out as usual; only the jump back is not a loss.
      state.highest = seq;
      return 'restart';
    }
    return 'duplicate';
  }

  /** Events lost per emitter: gaps open longer than the window, closed now. */
  expire(): Map<string, number> {
    const lost = new Map<string, number>();
    const cutoff = this.watermark - this.options.reorderWindowMs;
    for (const [emitter, state] of this.emitters) {
      const kept: Gap[] = [];
      for (const gap of state.gaps) {
        if (gap.openedAt <= cutoff) lost.set(emitter, (lost.get(emitter) ?? 0) + gap.to - gap.from + 1);
        else kept.push(gap);
      }
      state.gaps = kept;
    }
    return lost;
  }

  /** Events currently missing but still inside the reorder window, per emitter. */
  openGaps(): Map<string, number> {
    return new Map([...this.emitters].map(([e, s]) => [e, s.gaps.reduce((n, g) => n + g.to - g.from + 1, 0)]));
  }
}
