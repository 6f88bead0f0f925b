import RecData

/// `efficientrec generate`: seeded synthetic data set.
public struct GenerateJob {
    public var configuration: SyntheticGenerator.Configuration
    public var output: String

    public init(configuration: SyntheticGenerator.Configuration, output: String) {
        self.configuration = configuration
        self.output = output
    }

    @discardableResult
    public func run() throws(AppError) -> SyntheticGenerator.Summary {
        let summary = try AppError.wrap { try SyntheticGenerator(configuration).write(to: output) }
        Terminal.log(
            "wrote \(output)/interactions.tsv, items.tsv, users.tsv: \(summary.users) users, "
                + "\(summary.items) items, \(summary.interactions) interactions")
        return summary
    }
}
