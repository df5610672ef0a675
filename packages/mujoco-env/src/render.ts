import { OrlError, type Policy } from '@orl/core';
import type { MujocoEnv } from './env.js';

export interface RenderOptions {
  seed?: number;
  /** Steps to record (default: the whole episode, up to the env's limit). */
  maxSteps?: number;
  /** Record every k-th step (default 2). */
  every?: number;
  width?: number;
  height?: number;
  /** Pixels per metre. */
  scale?: number;
}

// MuJoCo geom types we draw (mjtGeom): plane 0, sphere 2, capsule 3, box 6.
const PLANE = 0,
  SPHERE = 2,
  CAPSULE = 3,
  BOX = 6;

/**
 * Runs one episode of `policy` and renders it as an animated SVG (SMIL): every geom of these planar bodies is projected
 * on the x–z plane (capsules as round-capped lines, spheres as circles, boxes as their x–z segment), the view follows
 * the torso. Returns the SVG text and the episode's return.
 */
export function renderEpisodeSvg(env: MujocoEnv, policy: Policy, options: RenderOptions = {}): { svg: string; return: number; steps: number } {
  const every = options.every ?? 2;
  const W = options.width ?? 640,
    H = options.height ?? 320,
    px = options.scale ?? 120;
  let { observation } = env.reset({ seed: options.seed ?? 0 });
  policy.reset?.();
  const frames: ReturnType<MujocoEnv['geoms']>[] = [env.geoms()];
  const xs: number[] = [env.getState().qpos[0]!];
  let ret = 0,
    steps = 0;
  const max = options.maxSteps ?? env.maxEpisodeSteps;
  for (; steps < max; ) {
    const r = env.step(policy.act(observation));
    ret += r.reward;
    steps++;
    observation = r.observation;
    if (steps % every === 0 || r.terminated || r.truncated) {
      frames.push(env.geoms());
      xs.push(env.getState().qpos[0]!);
    }
    if (r.terminated || r.truncated) break;
  }
  if (frames.length < 2) throw new OrlError('ENV', 'nothing to render');
  const dur = ((frames.length * every * env.dt) / 1).toFixed(2);
  const types = frames[0]!.type;
  const sizes = frames[0]!.size;
  const groundY = H * 0.8;
  const X = (x: number, k: number) => W / 3 + (x - xs[k]!) * px;
  const Z = (z: number) => groundY - z * px;
  const anim = (attr: string, values: number[]) =>
    `<animate attributeName="${attr}" dur="${dur}s" repeatCount="indefinite" calcMode="discrete" values="${values.map((v) => v.toFixed(1)).join(';')}"/>`;
  const shapes: string[] = [];
  for (let g = 0; g < types.length; g++) {
    const t = types[g]!;
    if (t === PLANE) continue;
    const seg = frames.map((f, k) => {
      const p = [f.xpos[3 * g]!, f.xpos[3 * g + 2]!];
      // Local axis of the geom: capsule → z (3rd column of xmat), box → x (1st column).
      const col = t === BOX ? 0 : 2;
      const ax = [f.xmat[9 * g + col]!, f.xmat[9 * g + 6 + col]!];
      const half = t === CAPSULE ? sizes[3 * g + 1]! : t === BOX ? sizes[3 * g]! : 0;
      return [X(p[0]! - ax[0]! * half, k), Z(p[1]! - ax[1]! * half), X(p[0]! + ax[0]! * half, k), Z(p[1]! + ax[1]! * half)];
    });
    const r = sizes[3 * g]! * px;
    const color = g % 2 ? '#c0504d' : '#4f81bd';
    if (t === SPHERE) {
      shapes.push(
        `<circle r="${r.toFixed(1)}" cx="${seg[0]![0]!.toFixed(1)}" cy="${seg[0]![1]!.toFixed(1)}" fill="${color}">${anim(
          'cx',
          seg.map((s) => s[0]!),
        )}${anim(
          'cy',
          seg.map((s) => s[1]!),
        )}</circle>`,
      );
    } else {
      const width = t === BOX ? Math.max(2, 2 * sizes[3 * g + 2]! * px) : 2 * r;
      // Frame 0 as static attributes (viewers without SMIL), then the animation.
      shapes.push(
        `<line stroke="${color}" stroke-width="${width.toFixed(1)}" stroke-linecap="round" x1="${seg[0]![0]!.toFixed(1)}" y1="${seg[0]![1]!.toFixed(1)}" x2="${seg[0]![2]!.toFixed(1)}" y2="${seg[0]![3]!.toFixed(1)}">${anim(
          'x1',
          seg.map((s) => s[0]!),
        )}${anim(
          'y1',
          seg.map((s) => s[1]!),
        )}${anim(
          'x2',
          seg.map((s) => s[2]!),
        )}${anim(
          'y2',
          seg.map((s) => s[3]!),
        )}</line>`,
      );
    }
  }
  // Ground ticks every metre scroll with the torso.
  const ticks = Array.from({ length: 12 }, (_, i) => i - 2).map(
    (m) =>
      `<line y1="${groundY}" y2="${groundY + 8}" x1="${X(Math.floor(xs[0]!) + m, 0).toFixed(1)}" x2="${X(Math.floor(xs[0]!) + m, 0).toFixed(1)}" stroke="#888">${anim(
        'x1',
        xs.map((x, k) => X(Math.floor(x) + m, k)),
      )}${anim(
        'x2',
        xs.map((x, k) => X(Math.floor(x) + m, k)),
      )}</line>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="${W}" height="${H}" fill="#f8f8f8"/><line x1="0" x2="${W}" y1="${groundY}" y2="${groundY}" stroke="#555" stroke-width="2"/>${ticks.join('')}${shapes.join('')}<text x="10" y="20" font-family="sans-serif" font-size="14">${env.id} · return ${ret.toFixed(0)} · ${steps} steps</text></svg>`;
  return { svg, return: ret, steps };
}
