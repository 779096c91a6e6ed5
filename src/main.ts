import { run } from './bootstrap.js';

// Default: API and worker in one process.
run({ api: true, worker: true });
