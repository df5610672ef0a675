import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, Rng, UniformSampler, toTransitions, type Agent, type Batch, type Policy, type StateDict, type RngState } from '../src/index.js';
import { trainLoop, readJsonl, readCsvMetrics, createProgress, MemoryMetrics, CHECKPOINT_FILE, METRICS_FILE, METRICS_CSV_FILE } from '../src/node/index.js';

/** y = w·x fitted by noisy SGD: its state (weights, step count, RNG) must all survive a checkpoint. */
class ToyAgent implements Agent {
  w = new Float32Array(2);
  steps = 0;
  rng = new Rng(11);
  onUpdate?: (steps: number) => void;

  update(b: Batch): Record<string, number> {
    let loss = 0;
    const g = new Float32Array(2);
    for (let k = 0; k < b.size; k++) {
      const x0 = b.observations[k * 2]!,
        x1 = b.observations[k * 2 + 1]!;
      const err = this.w[0]! * x0 + this.w[1]! * x1 - b.rewards[k]!;
      loss += err * err;
      g[0]! += err * x0;
      g[1]! += err * x1;
    }
    for (let j = 0; j < 2; j++) this.w[j] = this.w[j]! - 0.05 * (g[j]! / b.size + 0.01 * this.rng.normal());
    this.steps++;
    this.onUpdate?.(this.steps);
    return { 'loss/mse': loss / b.size };
  }
  policy(): Policy {
    return { obsDim: 2, actDim: 1, act: (o) => Float32Array.of(this.w[0]! * o[0]! + this.w[1]! * o[1]!) };
  }
  stateDict(): StateDict {
    return { w: Float32Array.from(this.w), steps: this.steps, rng: this.rng.getState() as unknown as StateDict };
  }
  loadStateDict(s: StateDict): void {
    this.w = Float32Array.from(s.w as Float32Array);
    this.steps = s.steps as number;
    this.rng.setState(s.rng as unknown as RngState);
  }
}

function toyData(): Dataset {
  const rng = new Rng(0);
  const n = 500;
  const obs = rng.fillNormal(new Float32Array(n * 2)) as Float32Array;
  const rewards = new Float32Array(n);
  for (let i = 0; i < n; i++) rewards[i] = 2 * obs[i * 2]! - 3 * obs[i * 2 + 1]!;
  return toTransitions(
    new Dataset(
      { observations: obs, actions: new Float32Array(n), rewards, terminals: new Uint8Array(n), timeouts: new Uint8Array(n) },
      { obsDim: 2, actDim: 1 },
    ),
  );
}

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'orl-train-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('trainLoop', () => {
  it('learns, logs JSONL, evaluates and checkpoints', async () => {
    const out = tmp();
    const agent = new ToyAgent();
    const mem = new MemoryMetrics();
    const evals: number[] = [];
    const res = await trainLoop({
      agent,
      sampler: new UniformSampler(toyData(), 32, 1),
      steps: 400,
      outDir: out,
      logEvery: 100,
      evalEvery: 200,
      evaluate: (step) => {
        evals.push(step);
        return { 'eval/return': step };
      },
      sinks: [mem],
      progress: false,
    });
    expect(res.step).toBe(400);
    expect(evals).toEqual([200, 400]);
    expect(agent.w[0]).toBeCloseTo(2, 1);
    expect(agent.w[1]).toBeCloseTo(-3, 1);
    const recs = readJsonl(join(out, METRICS_FILE));
    expect(recs.filter((r) => 'loss/mse' in r).map((r) => r.step)).toEqual([100, 200, 300, 400]);
    expect(recs.every((r) => !('loss/mse' in r) || r['perf/steps_per_s']! > 0)).toBe(true);
    expect(recs.at(-1)!['eval/return']).toBe(400);
    expect(mem.records.length).toBe(recs.length);
    expect(readdirSync(out).sort()).toEqual([CHECKPOINT_FILE, METRICS_FILE]); // no temp files left behind
  });

  it('stop + resume gives exactly the parameters of an uninterrupted run', async () => {
    const data = toyData();
    const full = new ToyAgent();
    await trainLoop({ agent: full, sampler: new UniformSampler(data, 32, 5), steps: 300, outDir: tmp(), logEvery: 50, progress: false });

    const out = tmp();
    const first = new ToyAgent();
    const ac = new AbortController();
    first.onUpdate = (s) => s === 137 && ac.abort();
    const r1 = await trainLoop({
      agent: first,
      sampler: new UniformSampler(data, 32, 5),
      steps: 300,
      outDir: out,
      logEvery: 50,
      progress: false,
      signal: ac.signal,
    });
    expect(r1).toMatchObject({ step: 137, stopped: true });

    const second = new ToyAgent(); // fresh process: new objects, state only from disk
    const r2 = await trainLoop({ agent: second, sampler: new UniformSampler(data, 32, 5), steps: 300, outDir: out, logEvery: 50, progress: false });
    expect(r2.resumedFrom).toBe(137);
    expect(Array.from(second.w)).toEqual(Array.from(full.w));
    expect(second.steps).toBe(300);
    const steps = readJsonl(join(out, METRICS_FILE)).map((r) => r.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
  });

  it('refuses to resume a checkpoint made with another configuration', async () => {
    const out = tmp();
    const data = toyData();
    await trainLoop({ agent: new ToyAgent(), sampler: new UniformSampler(data, 8, 1), steps: 10, outDir: out, progress: false, runInfo: { lr: 1 } });
    await expect(
      trainLoop({ agent: new ToyAgent(), sampler: new UniformSampler(data, 8, 1), steps: 20, outDir: out, progress: false, runInfo: { lr: 2 } }),
    ).rejects.toMatchObject({ code: 'CHECKPOINT' });
  });

  it('survives what a killed process leaves: a torn metrics line, temp files, a final checkpoint without its result', async () => {
    const data = toyData();
    const out = tmp();
    const evals: number[] = [];
    const opts = () => ({
      sampler: new UniformSampler(data, 8, 1),
      steps: 200,
      outDir: out,
      logEvery: 50,
      evalEvery: 100,
      progress: false as const,
      evaluate: (s: number) => (evals.push(s), { 'eval/return': s }),
    });
    await trainLoop({ agent: new ToyAgent(), ...opts() });
    expect(evals).toEqual([100, 200]);
    // The process died after its final checkpoint, mid-way through appending a line and an atomic write.
    appendFileSync(join(out, METRICS_FILE), '{"step":200,"loss/m');
    writeFileSync(join(out, `.${CHECKPOINT_FILE}.99999.1700000000000.tmp`), 'partial');
    expect(readJsonl(join(out, METRICS_FILE)).at(-1)!.step).toBe(200); // the torn tail is dropped, not an error
    const r = await trainLoop({ agent: new ToyAgent(), ...opts() });
    expect(r.resumedFrom).toBe(200);
    expect(r.lastEval).toEqual({ 'eval/return': 200 });
    expect(evals).toEqual([100, 200]); // no second final evaluation
    const recs = readJsonl(join(out, METRICS_FILE));
    expect(recs.filter((x) => 'eval/return' in x).map((x) => x.step)).toEqual([100, 200]);
    expect(readdirSync(out).sort()).toEqual([CHECKPOINT_FILE, METRICS_FILE]);
    // A bad line in the middle is an error naming the line.
    writeFileSync(join(out, METRICS_FILE), '{"step":1}\nnot json\n{"step":2}\n');
    expect(() => readJsonl(join(out, METRICS_FILE))).toThrow(expect.objectContaining({ code: 'FORMAT', message: expect.stringContaining(':2:') }));
  });

  it('a run that starts over (no checkpoint) does not append to old metrics', async () => {
    const data = toyData();
    const out = tmp();
    writeFileSync(join(out, METRICS_FILE), '{"step":50,"loss/mse":9}\n{"step":100,"loss/mse":9}\n');
    await trainLoop({ agent: new ToyAgent(), sampler: new UniformSampler(data, 8, 1), steps: 100, outDir: out, logEvery: 50, progress: false });
    expect(readJsonl(join(out, METRICS_FILE)).map((x) => x.step)).toEqual([50, 100]);
    expect(readJsonl(join(out, METRICS_FILE)).every((x) => x['loss/mse'] !== 9)).toBe(true);
  });

  it('stops with a typed error when a loss becomes non-finite or explodes, keeping the last checkpoint', async () => {
    const data = toyData();
    const out = tmp();
    const agent = new ToyAgent();
    const update = agent.update.bind(agent);
    agent.update = (b) => ({ ...update(b), 'loss/critic': agent.steps >= 150 ? 1e75 : 1 });
    const err = await trainLoop({ agent, sampler: new UniformSampler(data, 8, 1), steps: 300, outDir: out, checkpointEvery: 100, progress: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'NON_FINITE', details: { step: 150, metric: 'loss/critic' } });
    const nan = new ToyAgent();
    nan.update = () => ({ 'loss/mse': NaN });
    await expect(trainLoop({ agent: nan, sampler: new UniformSampler(data, 8, 1), steps: 10, progress: false })).rejects.toMatchObject({ code: 'NON_FINITE' });
    // The checkpoint on disk is the last good one (step 100), so the run can be inspected or resumed.
    const { loadState } = await import('../src/node/index.js');
    expect(loadState(join(out, CHECKPOINT_FILE)).step).toBe(100);
  });
});

describe('metric sinks and progress', () => {
  it('metrics.csv holds the same records as metrics.jsonl (evaluations widen the header), truncated on resume', async () => {
    const data = toyData();
    const out = tmp();
    const ac = new AbortController();
    const agent = new ToyAgent();
    agent.onUpdate = (s) => s === 130 && ac.abort();
    const evaluate = (step: number) => ({ 'eval/return': step / 10 });
    await trainLoop({
      agent,
      sampler: new UniformSampler(data, 32, 5),
      steps: 200,
      outDir: out,
      logEvery: 25,
      evalEvery: 50,
      evaluate,
      metrics: ['csv'],
      progress: false,
      signal: ac.signal,
    });
    const mem = new MemoryMetrics();
    await trainLoop({
      agent: new ToyAgent(),
      sampler: new UniformSampler(data, 32, 5),
      steps: 200,
      outDir: out,
      logEvery: 25,
      evalEvery: 50,
      evaluate,
      metrics: ['csv'],
      sinks: [mem],
      progress: false,
    });
    const jsonl = readJsonl(join(out, METRICS_FILE));
    const csv = readCsvMetrics(join(out, METRICS_CSV_FILE));
    expect(csv).toEqual(jsonl.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(String(v))]))));
    expect(csv.filter((r) => r['eval/return'] !== undefined).map((r) => r.step)).toEqual([50, 100, 150, 200]);
    expect(csv.map((r) => r.step).filter((s) => s === 125)).toHaveLength(1); // the interrupted run's records after its checkpoint are gone
    expect(mem.records.at(-1)).toEqual({ step: 200, 'eval/return': 20 });
    await expect(
      trainLoop({ agent: new ToyAgent(), sampler: new UniformSampler(data, 32, 5), steps: 10, outDir: tmp(), metrics: ['xml' as never], progress: false }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("'lines' and 'json' progress: a line per interval with step, rate, ETA and the last evaluation", async () => {
    const lines: string[] = [];
    const r = createProgress({ mode: 'lines', total: 100, every: 0, label: 'toy', write: (l) => lines.push(l) });
    r.start(0);
    r.tick(40, 10);
    r.evaluated(50, { 'eval/normalized_score': 33.25 });
    r.tick(60, 10);
    r.stop(100);
    expect(lines[0]).toMatch(/^\[train\] toy step 0\/100 \(0\.0%\) · started$/);
    expect(lines[1]).toMatch(/^\[train\] toy step 40\/100 \(40\.0%\) · \d+ steps\/s · ETA /);
    expect(lines[2]).toMatch(/step 60\/100 .* · eval 33\.3 @ 50$/);
    expect(lines[3]).toMatch(/step 100\/100 \(100\.0%\) · \d+ steps\/s · took .* · eval 33\.3 @ 50$/);
    const json: string[] = [];
    const j = createProgress({ mode: 'json', total: 100, every: 0, write: (l) => json.push(l) });
    j.start(0);
    j.evaluated(50, { 'eval/return': 7 });
    j.stop(100);
    const events = json.map((l) => JSON.parse(l) as { event: string; step: number; lastEval: unknown });
    expect(events.map((e) => e.event)).toEqual(['start', 'eval', 'end']);
    expect(events[2]).toMatchObject({ step: 100, lastEval: { step: 50, 'eval/return': 7 } });
    // Throttled: with a 10 s interval, many ticks give no line.
    const quiet: string[] = [];
    const q = createProgress({ mode: 'lines', total: 100, write: (l) => quiet.push(l) });
    q.start(0);
    for (let i = 1; i < 100; i++) q.tick(i);
    expect(quiet).toHaveLength(1);
    expect(createProgress({ mode: 'auto', total: 1, isTTY: false, write: (l) => quiet.push(l) }).start).toBeTypeOf('function');
  });
});
