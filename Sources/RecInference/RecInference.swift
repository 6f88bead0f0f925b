// RecInference
//
// Owns: The model as serving uses it: ModelConfiguration, Encoder (forward pass), ServingForward,
//   ParameterSet, Shortlists, ClusterVote, RecommenderModel, ItemShard, ShardModel and ServingParts
//   (a shard's part), ItemFilter, ItemExplanation, CandidateSet.
// Imports: RecMath, RecData, RecVote.
// Must not import: RecTraining (serving links this module without the trainer), RecModelFile (the
//   file format depends on the model, not the reverse), RecEval, RecWire, RecTransport, RecServing,
//   RecServer.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
