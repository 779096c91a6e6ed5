// The real sshd of the tests lives with the benchmarks (bench/ cannot import test/), which use it too.
export * from '../../bench/support/sshd.js';
