import type { ReplicationLegTimingsDto } from './replication-outcome.dto.js';

/** Milliseconds a replication leg spent in each phase, kept in the job's outcome (`outcome.timings`). */
export type LegTimings = ReplicationLegTimingsDto;

/** Times the phases of one leg: each `lap` closes the phase that ran since the previous one. */
export class LegClock {
  private readonly started = performance.now();
  private last = this.started;
  private readonly laps: Omit<LegTimings, 'total'> = {};

  lap(phase: keyof Omit<LegTimings, 'total'>): void {
    const now = performance.now();
    this.laps[phase] = Math.round(now - this.last);
    this.last = now;
  }

  report(): LegTimings {
    return { ...this.laps, total: Math.round(performance.now() - this.started) };
  }
}
