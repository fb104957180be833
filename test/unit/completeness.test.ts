import { describe, expect, it } from 'vitest';
import { LabelLimiter, OTHER } from '../../src/sli/labelLimiter.js';
import { CompletenessTracker } from '../../src/sli/completeness.js';

const tracker = () => new CompletenessTracker({ reorderWindowMs: 60_000, restartMaxSeq: 10 });

describe('telemetry completeness tracker', () => {
  it('tolerates reordering inside the window: a late event closes its gap, nothing is lost', () => {
    const t = tracker();
    expect(['1', '2', '4', '5'].map((s, i) => t.observe('e', Number(s), i * 1000))).toEqual([
      'received',
      'received',
      'received',
      'received',
    ]);
    expect(t.openGaps().get('e')).toBe(1);
    expect(t.observe('e', 3, 10_000)).toBe('late');
    t.observe('e', 6, 120_000);
    expect(t.expire().size).toBe(0);
  });

  it('counts a gap still open after the window as lost, once', () => {
    const t = tracker();
    t.observe('e', 1, 0);
    t.observe('e', 5, 1000); // 2, 3, 4 missing
    t.observe('e', 6, 30_000);
    expect(t.expire().size).toBe(0);
    t.observe('e', 7, 62_000);
    expect(t.expire().get('e')).toBe(3);
    expect(t.expire().size).toBe(0);
    expect(t.observe('e', 3, 63_000)).toBe('duplicate');
  });

  it('detects an emitter restart instead of counting a loss, and ignores duplicates', () => {
    const t = tracker();
    for (let s = 1; s <= 50; s++) t.observe('e', s, s);
    expect(t.observe('e', 40, 60)).toBe('duplicate');
    expect(t.observe('e', 1, 100)).toBe('restart');
    expect(t.observe('e', 2, 101)).toBe('received');
    t.observe('e', 3, 200_000);
    expect(t.expire().size).toBe(0);
  });
});

describe('label limiter', () => {
  it('keeps the first N values of a label and folds the rest into other', () => {
    const l = new LabelLimiter(2);
    expect(['a', 'b', 'c', 'a', 'd'].map((v) => l.limit('app', v))).toEqual(['a', 'b', OTHER, 'a', OTHER]);
    expect(l.limit('tenant', 'c')).toBe('c');
    expect(l.limit('app', undefined)).toBe('');
    const named = new LabelLimiter(1, 'rest');
    expect([named.limit('app', 'a'), named.limit('app', 'b')]).toEqual(['a', 'rest']);
  });
});
