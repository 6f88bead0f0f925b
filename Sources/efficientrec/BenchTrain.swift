import ArgumentParser
import Foundation
import RecApp
import RecBench

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "Benchmark training and offline recommendation speed (prints examples/s and users/s).")
    @OptionGroup var data: DataOptions
    @Option(help: "Users to recommend for in the offline timing.") var recommendUsers = 1000
    @Option(help: "Time recommendations on this model file (trained on the same item IDs) instead of training one.")
    var trainedModel: String?
    @Option(help: "Also time this model file (e.g. one built with earlier defaults) in the same rounds, as the reference the cost is compared with.")
    var referenceModel: String?
    @OptionGroup var model: ModelOptions

    func run() throws {
        var job = TrainingBenchmark(
            interactions: data.interactions, items: data.items, users: data.users,
            configuration: try model.configuration(), recommendUsers: recommendUsers)
        job.trainedModel = trainedModel
        job.referenceModel = referenceModel
        try runJob { try job.run() }
    }
}
