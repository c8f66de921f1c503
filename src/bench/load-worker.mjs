// Runs the load generator on its own thread so it does not compete with the gateways for the
// main thread. Plain JavaScript: a worker thread starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runLoad } = await import('./load.ts');
parentPort?.postMessage(await runLoad(workerData));
