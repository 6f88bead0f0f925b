import Foundation
import RecInference
import RecWire

/// The filters of `recommend` and `query` (one filter for every user of the run): item IDs to leave
/// out and the only ones allowed, read from files with one ID per line, and attribute conditions
/// ("genre in Comedy|Drama", "year >= 1990"). `query` sends them in each request; `recommend`
/// resolves them against the model, exactly as the coordinator does.
public struct RequestFilter: Sendable, Equatable {
    public var excludeItemIDs: [String] = []
    public var allowItemIDs: [String] = []
    public var conditions: [String] = []

    public init(excludeItemIDs: [String] = [], allowItemIDs: [String] = [], conditions: [String] = []) {
        self.excludeItemIDs = excludeItemIDs
        self.allowItemIDs = allowItemIDs
        self.conditions = conditions
    }

    public var isEmpty: Bool { excludeItemIDs.isEmpty && allowItemIDs.isEmpty && conditions.isEmpty }

    /// Item IDs from a file, one per line (blank lines and surrounding spaces ignored).
    public static func readIDs(_ path: String, flag: String) throws(AppError) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AppError("\(flag): cannot read '\(path)' as UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Reads the ID files.
    public static func load(excludeFile: String?, allowFile: String?, conditions: [String]) throws(AppError) -> RequestFilter {
        func ids(_ path: String?, _ flag: String) throws(AppError) -> [String] {
            guard let path else { return [] }
            return try readIDs(path, flag: flag)
        }
        let filter = RequestFilter(
            excludeItemIDs: try ids(excludeFile, "--exclude-items"), allowItemIDs: try ids(allowFile, "--allow-items"),
            conditions: conditions)
        let limits = WireLimits.standard
        guard filter.excludeItemIDs.count <= limits.maxFilterItems, filter.allowItemIDs.count <= limits.maxFilterItems else {
            throw AppError("--exclude-items and --allow-items take at most \(limits.maxFilterItems) IDs each")
        }
        guard conditions.count <= limits.maxFilterConditions else {
            throw AppError("--where: at most \(limits.maxFilterConditions) conditions")
        }
        return filter
    }

    /// The filter against `model`'s catalogue (nil when empty).
    public func resolve(for model: RecommenderModel) throws(AppError) -> ItemFilter? {
        do {
            return try ItemFilter.resolve(excludeIDs: excludeItemIDs, allowIDs: allowItemIDs, conditions: conditions, model: model)
        } catch {
            throw AppError(error.description)
        }
    }

    /// Copies the filter into a request.
    public func apply(to request: inout RecommendRequest) {
        request.excludeItemIDs = excludeItemIDs
        request.allowItemIDs = allowItemIDs
        request.itemConditions = conditions
    }
}
