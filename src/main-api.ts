import { run } from './bootstrap.js';

// API only: scale it separately from the workers (queue consumers run in main-worker).
run({ api: true, worker: false });
