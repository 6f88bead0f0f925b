import Foundation
import RecData
import RecInference
import RecModelFile
import RecTraining

/// `efficientrec refresh`: new shortlists and popularity from a fresh interaction log with the
/// trained encoder (`ModelRefresh`), written as a new model version to roll out as any other.
public struct RefreshJob {
    public var model: String
    public var interactions: String
    public var users: String?
    /// An items file: items the model lacks are added from their features (item tower).
    public var items: String?
    public var output: String
    public var readOptions = ReadOptions()

    public init(model: String, interactions: String, users: String?, output: String) {
        self.model = model
        self.interactions = interactions
        self.users = users
        self.output = output
    }

    @discardableResult
    public func run() throws(AppError) -> ModelRefresh.Summary {
        let started = Date()
        let base = try AppError.wrap { try ModelFile.load(path: model) }
        let log = try AppError.wrap {
            try InteractionLog.read(path: interactions, options: readOptions, progress: Terminal.readingProgress(interactions))
        }
        let attributes = try users.map { path throws(AppError) -> [[Int]] in
            let table = try AppError.wrap { try UserAttributeTable.read(path: path, columns: base.attributes.columnNames) }
            return log.users.ids.map { base.attributes.encode(table.row(of: $0)) }
        }
        let newItems = try items.map { path throws(AppError) in try AppError.wrap { try ItemFeatureTable.read(path: path, options: readOptions) } }
        let (refreshed, summary) = ModelRefresh.refresh(
            base, log: log, userAttributes: attributes, newItems: newItems, progress: Terminal.countingProgress("assigning users to clusters"))
        let version = try AppError.wrap { try ModelFile.save(refreshed, to: output) }
        Terminal.log(
            "refreshed model \(base.version) from \(summary.users) users and \(summary.interactions) interactions of \(interactions): "
                + "wrote \(output), model version \(version), in " + String(format: "%.1f s", Date().timeIntervalSince(started))
                + "; \(summary.unknownInteractions) interactions with \(summary.unknownItems) items the model does not know were skipped"
                + (items != nil ? "; \(summary.addedItems) items added to the catalogue from their features" : "")
                + (summary.emptyProfiles > 0 ? "; \(summary.emptyProfiles) users liked no item the model knows (no profile)" : ""))
        return summary
    }
}
