// RecServing
//
// Owns: The request state machines of coordinator and shard worker (CoordinatorCore and its parts,
//   ShardWorkerCore) and the serving policy (AdmissionControl, ConcurrencyLimit, ReplicaSet,
//   HedgeBudget, QueueShedder): events and the time in, frames out.
// Imports: RecMath, RecInference, RecModelFile, RecWire, RecVote, Histogram, HeapModule.
// Must not import: RecTransport, RecServer (no sockets, clocks or threads here), RecTraining,
//   RecEval, RecApp.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
