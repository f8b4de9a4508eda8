import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it, vi } from 'vitest';
import {
  MAX_BREAKER_PUBLISHERS,
  publishBreakerStates,
  publishedBreakerStates,
  refusedBreakerPublishers,
  unpublishBreakerStates,
  type BreakerState,
  type BreakerStatePublisher,
} from '../../../src/span-model/breaker-states.js';

const publisher = (states: Record<string, BreakerState>): BreakerStatePublisher => ({ breakerStates: () => Object.entries(states) });

describe('the breaker board', () => {
  it('shows what publishers publish until they unpublish, the worse state winning a shared name', () => {
    const a = publisher({ orders: 'open', crm: 'closed' });
    const b = publisher({ crm: 'half_open', stock: 'closed' });
    publishBreakerStates(a);
    publishBreakerStates(b);
    publishBreakerStates(a); // twice is once
    try {
      expect(publishedBreakerStates()).toEqual({ orders: 'open', crm: 'half_open', stock: 'closed' });
      // The application's own report merges in the same way.
      expect(publishedBreakerStates(() => ({ crm: 'open', mine: 'closed' }))).toEqual({
        orders: 'open',
        crm: 'open',
        stock: 'closed',
        mine: 'closed',
      });
      unpublishBreakerStates(a);
      expect(publishedBreakerStates()).toEqual({ crm: 'half_open', stock: 'closed' });
    } finally {
      unpublishBreakerStates(a);
      unpublishBreakerStates(b);
    }
    expect(publishedBreakerStates()).toEqual({});
  });

  it('skips a publisher or a report that throws, and states that are not states', () => {
    const broken: BreakerStatePublisher = {
      breakerStates: () => {
        throw new Error('broken');
      },
    };
    const odd = publisher({ weird: 'sideways' as BreakerState, fine: 'open' });
    publishBreakerStates(broken);
    publishBreakerStates(odd);
    try {
      const errors: unknown[] = [];
      expect(
        publishedBreakerStates(
          () => {
            throw new Error('also broken');
          },
          (error) => errors.push(error),
        ),
      ).toEqual({ fine: 'open' });
      expect(errors).toEqual([new Error('also broken')]);
    } finally {
      unpublishBreakerStates(broken);
      unpublishBreakerStates(odd);
    }
  });

  it('holds at most MAX_BREAKER_PUBLISHERS and counts the ones it refuses', () => {
    const many = Array.from({ length: MAX_BREAKER_PUBLISHERS }, (_, i) => publisher({ [`s${i}`]: 'closed' }));
    const refusedBefore = refusedBreakerPublishers();
    try {
      for (const p of many) expect(publishBreakerStates(p)).toBe(true);
      const late = publisher({ late: 'open' });
      expect(publishBreakerStates(late)).toBe(false);
      expect(refusedBreakerPublishers()).toBe(refusedBefore + 1);
      expect(publishedBreakerStates()).not.toHaveProperty('late');
      // Room again once one leaves.
      unpublishBreakerStates(many[0]!);
      expect(publishBreakerStates(late)).toBe(true);
      expect(publishedBreakerStates()).toHaveProperty('late', 'open');
      unpublishBreakerStates(late);
    } finally {
      for (const p of many) unpublishBreakerStates(p);
    }
  });

  it('holds publishers weakly: one dropped without unpublishing disappears', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    (() => {
      publishBreakerStates(publisher({ forgotten: 'open' }));
    })();
    expect(publishedBreakerStates()).toHaveProperty('forgotten');
    // A WeakRef's target survives the job that created or read it: collect on later turns.
    for (let i = 0; i < 20 && 'forgotten' in publishedBreakerStates(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(publishedBreakerStates()).not.toHaveProperty('forgotten');
  });

  it('is one board per process, shared by every copy of the module', async () => {
    const p = publisher({ shared: 'open' });
    publishBreakerStates(p);
    try {
      vi.resetModules(); // the next import evaluates the module again: a second copy
      const copy = await import('../../../src/span-model/breaker-states.js');
      expect(copy.publishedBreakerStates).not.toBe(publishedBreakerStates);
      expect(copy.publishedBreakerStates()).toHaveProperty('shared', 'open');
    } finally {
      unpublishBreakerStates(p);
    }
  });
});
