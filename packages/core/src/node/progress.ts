import { SingleBar, Presets } from 'cli-progress';

/**
 * How training reports progress:
 * - `'bar'`: a progress bar (cli-progress), for a terminal;
 * - `'lines'`: one plain line every `progressEvery` seconds (step, steps/s, ETA, last evaluation), for logs and pipes;
 * - `'json'`: the same as one JSON object per line, for programs;
 * - `'none'` / `false`: silent;
 * - `'auto'` (default): a bar when stdout is a terminal, lines otherwise. `true` means 'bar'.
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'json' | 'none' | boolean;

export interface ProgressReporter {
  start(step: number): void;
  /** Called often (every few steps); reporters throttle themselves. */
  tick(step: number, stepsPerSecond?: number): void;
  evaluated(step: number, metrics: Record<string, number>): void;
  stop(step: number): void;
}

export interface ProgressOptions {
  mode?: ProgressMode;
  total: number;
  /** Seconds between lines in 'lines'/'json' modes (default 10). */
  every?: number;
  /** Names the run in each line (e.g. 'hopper-medium td3bc s0'). */
  label?: string;
  /** Where lines go (default process.stdout). */
  write?: (line: string) => void;
  isTTY?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function scoreOf(m: Record<string, number> | null): number | undefined {
  return m ? (m['eval/normalized_score'] ?? m['eval/return']) : undefined;
}

/** The reporter for a mode ('auto' resolved against `isTTY`, default stdout's). */
export function createProgress(o: ProgressOptions): ProgressReporter {
  const isTTY = o.isTTY ?? Boolean(process.stdout.isTTY);
  const mode = o.mode === true ? 'bar' : o.mode === false ? 'none' : (o.mode ?? 'auto') === 'auto' ? (isTTY ? 'bar' : 'lines') : o.mode!;
  if (mode === 'none') return { start() {}, tick() {}, evaluated() {}, stop() {} };
  if (mode === 'bar') return barReporter(o);
  return lineReporter(o, mode === 'json');
}

function barReporter(o: ProgressOptions): ProgressReporter {
  const bar = new SingleBar(
    { format: `${o.label ? `${o.label} ` : ''}train |{bar}| {value}/{total} steps | {rate} steps/s | {info}`, hideCursor: true },
    Presets.shades_classic,
  );
  return {
    start: (step) => bar.start(o.total, step, { rate: '-', info: '' }),
    tick: (step, rate) => bar.update(step, rate === undefined ? {} : { rate: rate.toFixed(0) }),
    evaluated: (step, m) => {
      const s = scoreOf(m);
      if (s !== undefined) bar.update(step, { info: `eval ${s.toFixed(1)}` });
    },
    stop: () => bar.stop(),
  };
}

function lineReporter(o: ProgressOptions, json: boolean): ProgressReporter {
  const every = (o.every ?? 10) * 1000;
  const write = o.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let startStep = 0;
  let t0 = 0;
  let last = 0;
  let lastEval: { step: number; metrics: Record<string, number> } | null = null;
  const emit = (step: number, event: 'start' | 'progress' | 'eval' | 'end') => {
    const now = performance.now();
    const rate = now > t0 ? ((step - startStep) * 1000) / (now - t0) : 0;
    const eta = rate > 0 ? (o.total - step) / rate : Number.NaN;
    if (json) {
      write(
        JSON.stringify({
          event,
          ...(o.label ? { run: o.label } : {}),
          step,
          total: o.total,
          stepsPerSecond: Math.round(rate * 10) / 10,
          etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
          elapsedSeconds: Math.round((now - t0) / 1000),
          lastEval: lastEval ? { step: lastEval.step, ...lastEval.metrics } : null,
        }),
      );
      return;
    }
    const pct = o.total > 0 ? ((100 * step) / o.total).toFixed(1) : '100.0';
    const s = scoreOf(lastEval?.metrics ?? null);
    const parts = [`${o.label ? `${o.label} ` : ''}step ${step}/${o.total} (${pct}%)`];
    if (event === 'start') parts.push(step > 0 ? 'resumed' : 'started');
    else parts.push(`${rate.toFixed(0)} steps/s`, event === 'end' ? `took ${formatDuration((now - t0) / 1000)}` : `ETA ${formatDuration(eta)}`);
    if (s !== undefined) parts.push(`eval ${s.toFixed(1)} @ ${lastEval!.step}`);
    write(`[train] ${parts.join(' · ')}`);
  };
  return {
    start(step) {
      startStep = step;
      t0 = last = performance.now();
      emit(step, 'start');
    },
    tick(step) {
      const now = performance.now();
      if (now - last < every) return;
      last = now;
      emit(step, 'progress');
    },
    evaluated(step, metrics) {
      lastEval = { step, metrics };
      if (json) emit(step, 'eval');
    },
    stop(step) {
      emit(step, 'end');
    },
  };
}
