// EfficientRecClient
//
// Owns: The client side of the wire protocol for Swift programs: RecommendationClient (async
//   calls, one reused connection, typed ClientError), QueryClient (blocking bulk exchange with
//   pacing, for jobs and tests), RequestPacer (a client's retry pacing under overload).
// Imports: RecWire, RecTransport.
// Must not import: RecMath, RecData, RecInference, RecModelFile, RecTraining, RecVote, RecServing,
//   RecServer, RecApp (a service that queries a cluster links neither the model nor the trainer).
//
// (.ci/check-modules.py checks these lists against every import in this module.)
