import { run } from './bootstrap.js';

// Worker only: consumes the queues, serves no HTTP.
run({ api: false, worker: true });
