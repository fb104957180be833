// A worker thread of the prepare pool: records in (one buffer and their ends), prepared records
// out, the encoded rows' memory transferred rather than copied. The events themselves stay here:
// the main thread decodes those it needs from their rows.
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizeOptions } from '../events/index.js';
import { prepareRecords } from './prepare.js';
import type { PrepareRequest, PrepareResponse } from './preparePool.js';

const options = workerData as Omit<NormalizeOptions, 'observedTime'>;

parentPort!.on('message', ({ id, data, ends, observedTime }: PrepareRequest) => {
  const bytes = new Uint8Array(data);
  const values = Array.from(ends, (end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));
  const prepared = prepareRecords(values, { ...options, observedTime }, false);
  const response: PrepareResponse = { id, prepared };
  // prepareRecords allocates these itself (never Node's shared pool), so they can be moved.
  const owned = [
    ...prepared.tables.flatMap((t) => [t.data.buffer, t.ends.buffer, t.eventOf.buffer]),
    prepared.recordOf.buffer,
    prepared.kinds.buffer,
  ];
  parentPort!.postMessage(response, owned as ArrayBuffer[]);
});
