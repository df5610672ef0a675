import { OrlError } from '@orl/core';
import type { MainModule, MjModel } from 'mujoco';
import { MODEL_XML } from './assets.js';

/**
 * The loaded MuJoCo WebAssembly module, opaque to users: pass it to `MujocoEnv`. This package's declarations do not
 * re-export the `mujoco` package's types, so consumers type-check without them (they are ESM-only and do not compile
 * under `strict` without skipLibCheck).
 */
export interface Mujoco {
  readonly __mujocoModule: unique symbol;
}
/** The module's real type, inside this package. */
export type MujocoModule = MainModule;
export const moduleOf = (mj: Mujoco): MujocoModule => mj as unknown as MujocoModule;
export type Task = keyof typeof MODEL_XML;

let modulePromise: Promise<Mujoco> | undefined;

/**
 * Loads the MuJoCo WebAssembly module once per process (≈ 0.2 s). The official `mujoco` package is ESM-only; the
 * dynamic import keeps this package loadable from CommonJS too.
 */
export function loadMujoco(): Promise<Mujoco> {
  modulePromise ??= (import('mujoco') as Promise<{ default: (opts?: unknown) => Promise<MujocoModule> }>)
    .then(async (m) => (await m.default()) as unknown as Mujoco)
    .catch((cause) => {
      modulePromise = undefined;
      throw new OrlError('ENV', `could not load the mujoco WebAssembly module: ${(cause as Error).message}`, {}, { cause });
    });
  return modulePromise;
}

/**
 * Bumped whenever this package allocates in the MuJoCo heap (a model or data). Memory growth may move the heap, so
 * environments re-fetch their cached typed-array views when the generation they saw is old.
 */
export let heapGeneration = 0;
export function bumpHeapGeneration(): void {
  heapGeneration++;
}

const models = new Map<Task, { model: MjModel; refs: number }>();

/** Arena per MjData: the default (≈ 13.6 MB) is far more than these planar bodies need; 2 MB keeps many envs cheap. */
const ARENA = '2M';

/**
 * The XML compiled: Gymnasium's, less its visual assets (textures, materials), which nothing here renders (the SVG
 * renderer draws geoms) and which do not enter the dynamics: the same episodes to the last bit (checked). Measured
 * reason: compiling the builtin textures hangs MuJoCo's threaded WebAssembly build inside a browser Worker.
 */
export function prepareXml(task: Task): string {
  const xml = MODEL_XML[task].replace(/<asset>[\s\S]*?<\/asset>/g, '').replace(/\s(material|texture)="[^"]*"/g, '');
  // half_cheetah.xml sets <size nstack=...> already (which sizes the arena); leave it as Gymnasium has it.
  if (/<size[^>]*nstack/.test(xml)) return xml;
  return xml.replace(/(<mujoco[^>]*>)/, `$1\n  <size memory="${ARENA}"/>`);
}

/** Compiles (once) and returns the shared MjModel of a task; release with `releaseModel`. */
export function acquireModel(handle: Mujoco, task: Task): MjModel {
  const mj = moduleOf(handle);
  let entry = models.get(task);
  if (!entry) {
    const path = `/orl-${task}.xml`;
    mj.FS.writeFile(path, prepareXml(task));
    let model: MjModel;
    try {
      model = mj.MjModel.mj_loadXML(path);
    } catch (cause) {
      throw new OrlError('ENV', `MuJoCo could not compile the ${task} model: ${String(cause)}`, { task }, { cause });
    }
    bumpHeapGeneration();
    entry = { model, refs: 0 };
    models.set(task, entry);
  }
  entry.refs++;
  return entry.model;
}

export function releaseModel(task: Task): void {
  const entry = models.get(task);
  if (!entry) return;
  entry.refs--;
  if (entry.refs <= 0) {
    entry.model.delete();
    models.delete(task);
  }
}

/** Size of the MuJoCo WASM heap in bytes (for memory checks). */
export function heapBytes(mj: Mujoco): number {
  const m = models.values().next().value as { model: MjModel } | undefined;
  if (m) return (m.model.qpos0 as Float64Array).buffer.byteLength;
  const tmpModel = acquireModel(mj, 'hopper');
  const bytes = (tmpModel.qpos0 as Float64Array).buffer.byteLength;
  releaseModel('hopper');
  return bytes;
}

export function versionString(mj: Mujoco): string {
  return moduleOf(mj).mj_versionString();
}
