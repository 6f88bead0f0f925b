// RecModelFile
//
// Owns: The model file format: sections, checksums, the content version, atomic writes, whole loads
//   (`ModelFile.load`) and a shard's streamed part (`ModelFile.loadShard`).
// Imports: RecMath, RecData, RecVote, RecInference.
// Must not import: RecTraining, RecEval, RecWire, RecTransport, RecServing, RecServer.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
