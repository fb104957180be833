// What /readyz says of the keyed consumer (src/sources/keyed.ts): joining, rebalancing and a
// rebuild under way keep the replica unready; a rebuild that failed leaves its partitions cold
// until they are lost or their rebuild window has passed.
import { describe, expect, it } from 'vitest';
import { KeyedConsumerState } from '../../src/sources/keyed.js';

const HOUR = 3_600_000;

describe('keyed consumer state', () => {
  it('is unready while joining, rebalancing and rebuilding, and ready once rebuilt', () => {
    const state = new KeyedConsumerState(HOUR);
    expect(state.unready()).toMatch(/joining the keyed group/);
    state.joined(new Set([0, 1]));
    state.rebuilding(new Set([0, 1]));
    expect(state.unready()).toMatch(/rebuilding the scorers' state of keyed partitions 0, 1/);
    state.rebuilt();
    expect(state.unready()).toBeUndefined();
    state.rebalancing();
    expect(state.unready()).toMatch(/rebalancing/);
    state.joined(new Set([0]));
    state.rebuilding(new Set()); // nothing gained: nothing to rebuild
    expect(state.unready()).toBeUndefined();
  });

  it('names the partitions a failed rebuild left cold until they are lost', () => {
    const state = new KeyedConsumerState(HOUR);
    state.joined(new Set([2, 3]));
    state.rebuilding(new Set([2, 3]));
    state.notRebuilt(new Set([2, 3]));
    expect(state.unready()).toMatch(/keyed partitions 2, 3 was not rebuilt/);
    state.joined(new Set([3, 4]));
    expect(state.unready()).toMatch(/keyed partitions 3 was not rebuilt/);
    state.joined(new Set([4]));
    expect(state.unready()).toBeUndefined();
  });

  it('counts a cold partition whole again once its rebuild window has passed', () => {
    const state = new KeyedConsumerState(0);
    state.joined(new Set([5]));
    state.notRebuilt(new Set([5]));
    expect(state.unready()).toBeUndefined();
  });

  it('is unready while the consumer starts again after a crash, ready once it rejoined', () => {
    const state = new KeyedConsumerState(HOUR);
    state.joined(new Set([0]));
    state.crashed();
    expect(state.unready()).toMatch(/starting again after an error/);
    state.joined(new Set([0]));
    expect(state.unready()).toBeUndefined();
  });

  it('names the reason when the consumer stopped for good', () => {
    const state = new KeyedConsumerState(HOUR);
    state.joined(new Set([0]));
    state.stopped('kafka refused the credentials');
    expect(state.unready()).toBe('the keyed consumer stopped: kafka refused the credentials');
  });
});
