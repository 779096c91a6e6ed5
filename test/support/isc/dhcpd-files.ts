// A dhcpd configuration in a temp directory lives with the benchmarks (bench/ cannot import test/), which use it too.
export * from '../../../bench/support/dhcpd-files.js';
