// RecTraining
//
// Owns: Training: the layers' backward passes, GradientSet, losses (SoftmaxCrossEntropy,
//   TripletLoss, DecoderObjective), Adam, Trainer, ValidationMonitor, the EASE teacher, the
//   item–item fits (ItemItemFit, CooccurrenceGram), ClusterBalancing, ModelBuilder, ModelRefresh,
//   ClusterStatistics, TrainingProgress.
// Imports: RecMath, RecData, RecVote, RecInference.
// Must not import: RecModelFile (training returns models; the caller saves them), RecEval, RecWire,
//   RecTransport, RecServing, RecServer.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
