import { normalizedScore, taskOf, mean, std, median, type Dataset } from '@orl/core';

export interface DatasetSummary {
  rows: number;
  obsDim: number;
  actDim: number;
  episodes: number;
  terminals: number;
  timeouts: number;
  labelledRewards: number;
  episodeLength: { mean: number; min: number; max: number };
  returns: { mean: number; std: number; min: number; max: number; median: number } | null;
  normalized: { mean: number; min: number; max: number } | null;
  task: string | null;
  bytes: number;
}

/** Sizes, episodes, return statistics and the normalized-score range (for `orl datasets inspect`). */
export function summarize(data: Dataset, task?: string): DatasetSummary {
  const ends = data.episodeEnds();
  const lengths = Array.from(ends, (e, i) => e - (i === 0 ? 0 : ends[i - 1]!));
  let terminals = 0,
    timeouts = 0;
  for (let i = 0; i < data.size; i++) {
    terminals += data.terminals[i]!;
    timeouts += data.timeouts[i]!;
  }
  const allLabelled = data.labelledCount() === data.size;
  const returns = allLabelled ? Array.from(data.episodeReturns()) : null;
  let resolved: string | null = null;
  try {
    resolved = taskOf(task ?? String(data.metadata.task ?? data.metadata.env ?? data.metadata.source ?? ''));
  } catch {
    resolved = null;
  }
  const norm = returns && resolved ? returns.map((r) => normalizedScore(resolved!, r)) : null;
  const bytes =
    data.observations.byteLength +
    data.actions.byteLength +
    data.rewards.byteLength +
    data.terminals.byteLength +
    data.timeouts.byteLength +
    (data.nextObservations?.byteLength ?? 0) +
    (data.rewardMask?.byteLength ?? 0);
  return {
    rows: data.size,
    obsDim: data.obsDim,
    actDim: data.actDim,
    episodes: ends.length,
    terminals,
    timeouts,
    labelledRewards: data.labelledCount(),
    episodeLength: { mean: mean(lengths), min: Math.min(...lengths), max: Math.max(...lengths) },
    returns: returns ? { mean: mean(returns), std: std(returns), min: Math.min(...returns), max: Math.max(...returns), median: median(returns) } : null,
    normalized: norm ? { mean: mean(norm), min: Math.min(...norm), max: Math.max(...norm) } : null,
    task: resolved,
    bytes,
  };
}
