import Foundation
import RecData
import RecInference
import RecMath

/// The epochs of one `Trainer.train` run: the weights, the optimizer and its learning-rate
/// schedule, the running weight average, the validation record and the counters the progress
/// reports and the summary read. Each epoch shuffles the training users from its own seeded
/// stream, so a run is deterministic for a given seed and thread count.
struct TrainingLoop {
    let trainer: Trainer
    let users: [Int]
    let monitor: ValidationMonitor?
    let context: DecoderContext
    let scratch: [TeacherScratch]
    /// The supervised objective's label per user (empty for the other objectives).
    let labels: [Int]
    /// The recommend objective's batches are prepared ahead, one per thread (see `recommendStep`).
    let dataParallel: Bool
    let progress: ((TrainingProgress) -> Void)?
    /// The top-C phase's epochs (none for the objectives without a decoder).
    let sparseEpochs: Int
    let batches: Int
    let started: Date

    var parameters: ParameterSet
    var optimizer: Adam
    /// The exponential moving average of the weights (`weightAveraging` > 0), else nil.
    var average: ParameterSet?
    /// The epochs of both phases; shortened when the dense phase stops early.
    var plannedEpochs: Int
    var stepIndex = 0
    var examples = 0
    var lastLoss = 0.0
    var epochsRun = 0
    var validation = ValidationRecord()
    /// The examples the dense phase trained on (sets the top-C phase's budget after an early stop).
    var denseExamples = 0

    /// Where the current phase stands: what it has trained on since it began and since the last
    /// validation check, and whether it must end.
    struct Phase {
        let sparse: Bool
        /// The examples the phase may train on (`Int.max`: no limit but its epochs).
        let exampleBudget: Int
        var examples = 0
        var sinceCheck = 0
        var stop = false
    }

    init(
        trainer: Trainer, parameters: ParameterSet, users: [Int], monitor: ValidationMonitor?, context: DecoderContext,
        scratch: [TeacherScratch], labels: [Int], dataParallel: Bool, progress: ((TrainingProgress) -> Void)?
    ) {
        let c = trainer.configuration
        self.trainer = trainer
        self.users = users
        self.monitor = monitor
        self.context = context
        self.scratch = scratch
        self.labels = labels
        self.dataParallel = dataParallel
        self.progress = progress
        self.parameters = parameters
        optimizer = Adam(parameters: parameters, learningRate: c.learningRate)
        optimizer.threads = c.threads
        sparseEpochs = c.objective.usesDecoder ? c.sparseEpochs : 0
        plannedEpochs = c.epochs + sparseEpochs
        batches = (users.count + c.batchSize - 1) / c.batchSize
        started = Date()
        average = c.weightAveraging > 0 ? parameters : nil
    }

    /// The weights training ends with: the running average when there is one.
    var finalParameters: ParameterSet { average ?? parameters }

    /// Runs the dense phase (`sparse` false: all clusters active) or the top-C phase (only each
    /// user's top C clusters; recommendation objectives only), then keeps the phase's best
    /// validated weights (and continues from them).
    mutating func runPhase(sparse: Bool) {
        let c = trainer.configuration
        let limit = sparse ? sparseEpochs : c.epochs
        var phase = Phase(sparse: sparse, exampleBudget: sparse ? topClusterPhaseBudget(epochs: limit) : Int.max)
        validation.startPhase()
        var phaseEpoch = 0
        while phaseEpoch < limit && !phase.stop {
            runEpoch(&phase)
            epochsRun += 1
            phaseEpoch += 1
        }
        if !sparse { denseExamples = phase.examples }
        if let best = validation.bestOfPhase {
            if average != nil { average = best } else { parameters = best }
        }
    }

    /// When the dense phase stopped early, the top-C phase gets a proportionate share of examples
    /// (and the planned epochs shrink to match); otherwise no limit but its `epochs`.
    private mutating func topClusterPhaseBudget(epochs limit: Int) -> Int {
        let c = trainer.configuration
        guard monitor != nil && validation.stoppedEarly && c.epochs > 0 else { return Int.max }
        let budget = max(c.batchSize, Int((Double(denseExamples) * Double(sparseEpochs) / Double(c.epochs)).rounded(.up)))
        plannedEpochs = epochsRun + min(limit, (budget + users.count - 1) / max(1, users.count))
        return budget
    }

    /// One pass over the training users in a seeded order, batch by batch; stops early when the
    /// phase must end.
    private mutating func runEpoch(_ phase: inout Phase) {
        let c = trainer.configuration
        var order = users
        var epochRng = SeededRandom.derived(seed: c.seed, stream: UInt64(epochsRun + 1))
        epochRng.shuffle(&order)
        var epochLoss = 0.0
        var prefetched = PrefetchedBatches()
        for b in 0..<batches {
            let batchUsers = Array(order[(b * c.batchSize)..<min(order.count, (b + 1) * c.batchSize)])
            guard batchUsers.count >= 2 else { continue }
            var gradients = GradientSet(like: parameters)
            let loss: Double
            if dataParallel {
                let prepared = prefetched.batch(b, of: order, loop: self)
                loss = trainer.recommendStep(
                    prepared, parameters: parameters, gradients: &gradients,
                    sparse: phase.sparse, threads: c.threads)
            } else {
                loss = trainer.step(
                    batchUsers, parameters: parameters, gradients: &gradients, context: context,
                    scratch: scratch, labels: labels, sparse: phase.sparse, rng: &epochRng)
            }
            applyUpdate(gradients)
            examples += batchUsers.count
            phase.examples += batchUsers.count
            phase.sinceCheck += batchUsers.count
            epochLoss += loss
            lastLoss = epochLoss / Double(b + 1)
            reportProgress(batch: b, sparse: phase.sparse)
            validateIfDue(endOfEpoch: b == batches - 1, phase: &phase)
            if phase.stop { break }
        }
    }

    /// The recommend objective's batches of one epoch, prepared `threads` at a time ahead of use.
    private struct PrefetchedBatches {
        var batches: [Trainer.PreparedBatch] = []
        var first = 0

        /// Batch `b` of the epoch's `order`, preparing it and the next ones when it is not ready.
        mutating func batch(_ b: Int, of order: [Int], loop: TrainingLoop) -> Trainer.PreparedBatch {
            let c = loop.trainer.configuration
            if b >= first + batches.count {
                // Batch b of epoch e draws from its own stream (e, b).
                let epoch = UInt64(loop.epochsRun + 1)
                batches = loop.trainer.prepareRecommendBatches(
                    b..<min(loop.batches, b + c.threads), of: order,
                    context: loop.context, scratch: loop.scratch
                ) {
                    SeededRandom.derived(seed: c.seed, stream: epoch << 32 | UInt64($0))
                }
                first = b
            }
            return batches[b - first]
        }
    }

    /// One optimizer step at the scheduled learning rate (linear decay to `finalLearningRateFraction`
    /// over the planned steps), then the running average moves toward the new weights.
    private mutating func applyUpdate(_ gradients: GradientSet) {
        let c = trainer.configuration
        let progressFraction = Float(stepIndex) / Float(max(1, plannedEpochs * batches))
        optimizer.learningRate = c.learningRate * (1 - (1 - c.finalLearningRateFraction) * min(1, progressFraction))
        optimizer.update(&parameters, gradients: gradients)
        stepIndex += 1
        if var avg = average {
            average = nil  // so the blend below does not copy the weights
            Trainer.blend(&avg, toward: parameters, keep: c.weightAveraging)
            average = avg
        }
    }

    /// A validation check after every epoch, within a long one every `validationInterval`
    /// examples, and when the phase's example budget ends it (so a phase always ends on a check).
    /// Marks the phase to stop when patience runs out or the budget is spent.
    private mutating func validateIfDue(endOfEpoch: Bool, phase: inout Phase) {
        let c = trainer.configuration
        let budgetSpent = phase.examples >= phase.exampleBudget
        if let monitor, endOfEpoch || phase.sinceCheck >= c.validationInterval || budgetSpent {
            phase.sinceCheck = 0
            let current = average ?? parameters
            let score = monitor.score(encoder: trainer.encoder, parameters: current, topClusters: c.topClusters, threads: c.threads)
            if validation.record(score, parameters: current, patience: c.patience, minImprovement: c.minImprovement) {
                phase.stop = true
            }
        }
        if budgetSpent { phase.stop = true }
    }

    /// Reports batch `b`'s progress: the running loss, the rate so far and the time left.
    private func reportProgress(batch b: Int, sparse: Bool) {
        guard let progress else { return }
        let c = trainer.configuration
        let elapsed = Date().timeIntervalSince(started)
        let rate = Double(examples) / max(elapsed, 1e-9)
        let remaining = Double((plannedEpochs - epochsRun - 1) * users.count + (batches - b - 1) * c.batchSize) / max(rate, 1e-9)
        progress(
            TrainingProgress(
                epoch: epochsRun + 1, epochs: plannedEpochs, batch: b + 1, batches: batches,
                loss: lastLoss, examplesPerSecond: rate, secondsRemaining: max(0, remaining),
                epochSecondsRemaining: Double((batches - b - 1) * c.batchSize) / max(rate, 1e-9),
                examples: examples, earlyStopping: monitor != nil,
                sparsePhase: sparse, validation: validation.last))
    }
}
