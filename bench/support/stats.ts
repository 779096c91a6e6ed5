/** Order statistics for benchmark rounds (the machine is shared and noisy: report the spread, not just a mean). */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function median(values: number[]): number {
  return spread(values).median;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}
