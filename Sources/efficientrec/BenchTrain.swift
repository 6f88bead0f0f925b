import ArgumentParser
import Foundation
import RecApp

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train",
        abstract: "Benchmark training and offline recommendation speed (prints examples/s and users/s).")
    @OptionGroup var data: DataOptions
    @Option(help: "Users to recommend for in the offline timing.") var recommendUsers = 1000
    @OptionGroup var model: ModelOptions

    func run() throws {
        let job = TrainingBenchmark(interactions: data.interactions, items: data.items, users: data.users,
                                    configuration: try model.configuration(), recommendUsers: recommendUsers)
        try runJob { try job.run() }
    }
}
