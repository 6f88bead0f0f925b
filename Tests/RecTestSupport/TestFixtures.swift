import Foundation
import RecData
import RecInference
import RecMath

/// Shared fixtures: temporary directories, small generated data sets and a fast configuration.
public enum TestFixtures {
    public static func temporaryDirectory(_ label: String = "efficientrec") -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func write(_ text: String, to path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// A generated data set on disk (interactions.tsv, items.tsv, users.tsv).
    public static func generatedDirectory(
        users: Int = 300, items: Int = 120, groups: Int = 4, seed: UInt64 = 7,
        groupSkew: Double = 0, popularityExponent: Double = 0.9
    ) -> String {
        let dir = temporaryDirectory("gen")
        var config = SyntheticGenerator.Configuration(users: users, items: items, groups: groups, seed: seed)
        config.maxInteractions = 40
        config.groupSkew = groupSkew
        config.popularityExponent = popularityExponent
        _ = try! SyntheticGenerator(config).write(to: dir)
        return dir
    }

    public static func generatedDataset(
        users: Int = 300, items: Int = 120, groups: Int = 4, seed: UInt64 = 7,
        groupSkew: Double = 0, popularityExponent: Double = 0.9
    ) -> Dataset {
        let dir = generatedDirectory(
            users: users, items: items, groups: groups, seed: seed, groupSkew: groupSkew,
            popularityExponent: popularityExponent)
        return try! Dataset.load(interactions: dir + "/interactions.tsv", items: dir + "/items.tsv", users: dir + "/users.tsv")
    }

    /// Training threads in tests: `OPENBLAS_NUM_THREADS` when set (so the suite can be run with 1 and
    /// 2 threads, each summing in its own order), else 1.
    public static var testThreads: Int {
        ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap(Int.init).map { min(max($0, 1), 8) } ?? 1
    }

    /// A small, fast configuration for tests.
    public static var smallConfiguration: ModelConfiguration {
        var c = ModelConfiguration()
        c.embeddingDim = 16
        c.genreDim = 4
        c.towerHidden = 16
        c.attributeDim = 4
        c.headHidden = 32
        c.profileDim = 16
        c.clusters = 16
        c.topClusters = 3
        c.shortlistLength = 30
        c.epochs = 8
        c.sparseEpochs = 2
        c.batchSize = 32
        c.learningRate = 3e-3
        c.threads = testThreads
        return c
    }
}
