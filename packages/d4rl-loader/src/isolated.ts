import { Worker } from 'node:worker_threads';
import { Dataset, DatasetError, OrlError, type OrlErrorCode } from '@orl/core';

/*
 * The HDF5 C library (inside h5wasm) can abort() or loop forever on a deliberately mangled file. Reads of files the
 * user names therefore run in a worker thread: an abort ends only the worker, a loop is stopped at the time limit,
 * and both become typed FORMAT errors. The arrays come back transferred, not copied.
 */
const here = import.meta.url;
const sourceMode = /\.ts$/.test(here); // running from TypeScript sources (tests, tsx): the worker needs tsx too
const workerUrl = new URL(sourceMode ? './read-worker.ts' : here.endsWith('.cjs') ? './read-worker.cjs' : './read-worker.js', here);

export async function readIsolated(kind: 'd4rl' | 'minari', arg: string, options: { timeoutMs?: number; isolate?: boolean }): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const { timeoutMs: _t, isolate: _i, ...rest } = options;
  // From sources, a small bootstrap registers tsx in the worker before loading the TypeScript entry.
  const worker = sourceMode
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`, {
        eval: true,
        execArgv: ['--conditions=source'],
        stdout: false,
        stderr: true,
      })
    : new Worker(workerUrl, { stdout: false, stderr: true });
  worker.stderr?.resume(); // h5wasm's abort message stays out of the user's terminal
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the worker's structured-clone reply; its fields are checked below
    const reply = await new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new OrlError(
              'FORMAT',
              `${arg}: reading took longer than ${Math.round(timeoutMs / 1000)} s and was stopped (a corrupt HDF5 structure can make the library loop)`,
              { file: arg, timeoutMs },
            ),
          ),
        timeoutMs,
      );
      worker.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(new OrlError('FORMAT', `${arg}: the HDF5 library failed on this file (${String(e?.message ?? e).split('\n')[0]})`, { file: arg }, { cause: e }));
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new OrlError('FORMAT', `${arg}: the HDF5 library aborted on this file (exit ${code}) — corrupt or mangled?`, { file: arg }));
      });
      worker.postMessage({ kind, arg, options: rest });
    });
    if (!reply.ok) {
      const e = reply.error;
      if (e.name === 'DatasetError')
        throw new DatasetError(e.code as OrlErrorCode, e.field, e.row, String(e.message).replace(/^[^:]*(\[row \d+\])?: /, ''), e.details);
      if (e.code) throw new OrlError(e.code as OrlErrorCode, e.message, e.details);
      throw new OrlError('FORMAT', `${arg}: ${e.message}`, { file: arg });
    }
    const dataset = new Dataset(reply.columns, reply.shape, { metadata: reply.datasetMetadata });
    return { dataset, ...reply.rest };
  } finally {
    await worker.terminate();
  }
}
