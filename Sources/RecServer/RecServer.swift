// RecServer
//
// Owns: The shells around the state machines: the coordinator's and worker's poll loops, their
//   transport and clock seams, telemetry, the query client, the load generator.
// Imports: RecMath, RecData, RecInference, RecModelFile, RecWire, RecTransport, RecVote,
//   RecServing, Histogram, Logging, Metrics.
// Must not import: RecTraining, RecEval, RecApp, RecBench.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
