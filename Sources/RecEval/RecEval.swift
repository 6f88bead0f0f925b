// RecEval
//
// Owns: Offline evaluation: ranking and beyond-accuracy metrics, strong generalisation, the
//   baselines (popularity, item-kNN, EASE, k-means vote, decoder bound) behind one
//   `EvaluatedRecommender` contract.
// Imports: RecMath, RecData, RecInference, RecTraining.
// Must not import: RecModelFile, RecWire, RecTransport, RecServing, RecServer.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
