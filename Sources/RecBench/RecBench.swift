// RecBench
//
// Owns: The benchmarks behind bench-core, bench-floor and bench-train: state machines in one
//   process, the cluster against a plain libzmq floor, training and recommendation CPU.
// Imports: RecApp and the library modules.
// Must not import: nothing imports RecBench but the executable.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
