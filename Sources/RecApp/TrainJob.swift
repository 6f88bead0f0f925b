import Foundation
import RecData
import RecInference
import RecModelFile
import RecTraining

/// `efficientrec train`: load data, train, build shortlists, save the model file.
public struct TrainJob {
    public var interactions: String
    public var items: String?
    public var users: String?
    public var output: String
    public var configuration: ModelConfiguration
    public var quiet = false
    public var readOptions = ReadOptions()
    public var scaleRule = Dataset.ScaleRule()

    public init(interactions: String, items: String?, users: String?, output: String, configuration: ModelConfiguration) {
        self.interactions = interactions
        self.items = items
        self.users = users
        self.output = output
        self.configuration = configuration
    }

    public struct Outcome: Sendable {
        public var version: String
        public var bytes: Int
        public var summary: TrainingSummary
    }

    @discardableResult
    public func run() throws(AppError) -> Outcome {
        if let problem = configuration.validationError() { throw AppError(problem) }
        let started = Date()
        let cpuAtStart = HostCPU.sample()
        // Fail before loading and training, not after: the output must be writable...
        try AppError.wrap { try ModelFile.checkWritable(output) }
        let dataset = try AppError.wrap {
            try Dataset.load(
                interactions: interactions, items: items, users: users,
                options: readOptions, scaleRule: scaleRule, progress: quiet ? nil : Terminal.readingProgress(interactions))
        }
        if !quiet { for skipped in dataset.skippedRows { Terminal.log(skipped.description) } }
        // ...and the configuration the model will carry (with the data's rating scale) must encode.
        var stored = configuration
        stored.ratingScale = dataset.ratingScale
        try AppError.wrap { try ModelFile.checkEncodable(stored, for: output) }
        if !quiet {
            Terminal.log(
                "loaded \(dataset.log.users.count) users, \(dataset.log.items.count) items, \(dataset.log.interactionCount) interactions; "
                    + "attributes: \(dataset.attributes.columnNames.isEmpty ? "none" : dataset.attributes.columnNames.joined(separator: ", ")); "
                    + "genres: \(dataset.itemFeatures.genreVocabulary.count)")
        }
        let built = try AppError.wrap {
            try ModelBuilder.build(
                dataset: dataset, configuration: configuration, progress: quiet ? nil : Terminal.trainingProgress(),
                status: quiet ? nil : { Terminal.log($0) })
        }
        let version = try AppError.wrap { try ModelFile.save(built.model, to: output) }
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        if !quiet {
            Terminal.log(built.training.description)
            Terminal.log(built.clusterStatistics.description)
            Terminal.log(
                "wrote \(output): model version \(version), \(size) bytes, K=\(built.model.configuration.clusters) clusters, "
                    + "\(built.model.shortlists.items.count) shortlist entries")
            // The figures a scale target is checked against: end to end, as a user waits for them.
            Terminal.log(
                "end to end (load, teacher, training, writing): " + String(format: "%.1f s", Date().timeIntervalSince(started))
                    + ", peak resident memory " + ProcessMemory.describe(ProcessMemory.peakResident)
                    + (cpuAtStart.flatMap { start in HostCPU.sample().map { "; " + $0.describe(since: start) } } ?? ""))
        }
        return Outcome(version: version, bytes: size, summary: built.training)
    }
}
