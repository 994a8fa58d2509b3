/** Worker thread body for BatchPreparer: prepares the batches it is sent, transferring the tensors. */
import { parentPort, workerData } from 'node:worker_threads';

import { prepareBatch } from './prepare.js';
import type { PreprocessSpec } from './preprocess.js';

const { paths, spec } = workerData as { paths: string[]; spec: PreprocessSpec };
const items = paths.map((path) => ({ path }));

parentPort!.on('message', (m: { id: number; start: number; end: number }) => {
  prepareBatch(items, m.start, m.end, spec).then(
    (batch) => parentPort!.postMessage({ id: m.id, batch }, [batch.tensor.buffer as ArrayBuffer]),
    (err: unknown) => parentPort!.postMessage({ id: m.id, error: (err as Error).message }),
  );
});
