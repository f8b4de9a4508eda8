import type { HistoryTier } from './types.js';

/** Whether two tier lists are the same (the same steps and retentions in the same order). */
export function sameTiers(a: readonly HistoryTier[], b: readonly HistoryTier[]): boolean {
  return (
    a.length === b.length &&
    a.every((tier, i) => tier.stepSeconds === b[i]!.stepSeconds && tier.retentionSeconds === b[i]!.retentionSeconds)
  );
}

/** The tiers in words, for messages: `10 s for 3600 s, 60 s for 86400 s`. */
export function describeTiers(tiers: readonly HistoryTier[]): string {
  return tiers.map((tier) => `${tier.stepSeconds} s for ${tier.retentionSeconds} s`).join(', ');
}

/** Slots of one series with these tiers: the points of every tier together. */
export function slotsOf(tiers: readonly HistoryTier[]): number {
  return tiers.reduce((sum, tier) => sum + tier.retentionSeconds / tier.stepSeconds, 0);
}
