import type { AlertsSnapshot } from 'fedscope';
import type { NotifiedAlert, ResolvedAlert } from './soak-protocol.js';

/** An alert's identity: its label set, sorted and serialised (as fedscope and Alertmanager key alerts). */
export function alertIdentity(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Every firing and resolved notification the alert engine raised, read from its bounded
 * transition history ({@link AlertsSnapshot.history}, 500 entries): read often enough (every few
 * seconds) nothing is missed. A `pending → firing` transition is a firing notification whose
 * `startsAt` is the transition's time; a `firing → resolved` one is a resolved notification whose
 * `endsAt` is its time and whose `startsAt` is that of the alert's firing.
 */
export class AlertNotificationLog {
  private readonly seen = new Set<string>();
  private readonly firingStart = new Map<string, string>();
  private readonly firingList: NotifiedAlert[] = [];
  private readonly resolvedList: ResolvedAlert[] = [];

  /** Takes in the transitions of a snapshot not seen before. */
  read(snapshot: AlertsSnapshot | null): void {
    for (const transition of snapshot?.history ?? []) {
      const identity = alertIdentity(transition.labels);
      const key = `${transition.at}|${identity}|${transition.from}|${transition.to}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (transition.to === 'firing') {
        this.firingStart.set(identity, transition.at);
        this.firingList.push({ labels: transition.labels, startsAt: transition.at });
      } else if (transition.from === 'firing' && transition.to === 'resolved') {
        const startsAt = this.firingStart.get(identity);
        // A resolve whose firing fell out of the history before it was read cannot be matched; it is kept with its own time.
        this.resolvedList.push({ labels: transition.labels, startsAt: startsAt ?? transition.at, endsAt: transition.at });
      }
    }
  }

  /** Firing notifications so far, oldest first. */
  firing(): NotifiedAlert[] {
    return [...this.firingList];
  }

  /** Resolved notifications so far, oldest first. */
  resolved(): ResolvedAlert[] {
    return [...this.resolvedList];
  }
}
