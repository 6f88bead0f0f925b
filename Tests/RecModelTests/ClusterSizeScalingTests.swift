import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// `clusterSizeExponent`: each cluster's shortlist scores are multiplied by (mean size / its size)^x,
/// so the clusters nearly every user votes with count for less. Built once, at training time; the
/// served vote is unchanged.
final class ClusterSizeScalingTests: XCTestCase {
    func testScalingMultipliesEachClustersScoresAndKeepsItsOrder() {
        let lists = Shortlists(lists: [[(3, 0.9), (1, 0.5)], [], [(2, 1.0), (0, -0.25)]])
        let scaled = lists.scaled(by: [2, 7, 0.5])
        XCTAssertEqual(scaled.offsets, lists.offsets)
        XCTAssertEqual(scaled.items, lists.items)
        XCTAssertEqual(scaled.scores, [1.8, 1.0, 0.5, -0.125])
        XCTAssertEqual(lists.scaled(by: [1, 1, 1]), lists)
    }

    func testFactorsFollowHowManyUsersVoteWithEachCluster() throws {
        let dataset = TestFixtures.generatedDataset(users: 160, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 3; c.sparseEpochs = 1
        c.clusterSizeExponent = 0
        let plain = try ModelBuilder.build(dataset: dataset, configuration: c).model
        // Sizes counted independently: users per cluster among the top C.
        var sizes = [Int](repeating: 0, count: c.clusters)
        for u in 0..<dataset.log.users.count {
            let input = ProfileInput.from(history: dataset.log.history(of: u), attributes: dataset.userAttributeValues[u], configuration: c)
            if input.isEmpty { continue }
            for (k, _) in plain.topClusters(plain.clusterActivations(input)) { sizes[k] += 1 }
        }
        let used = sizes.filter { $0 > 0 }
        let mean = Double(used.reduce(0, +)) / Double(used.count)
        let factors = ModelBuilder.clusterSizeFactors(model: plain, dataset: dataset, exponent: 0.5)
        for k in 0..<c.clusters {
            XCTAssertEqual(Double(factors[k]), (mean / Double(max(1, sizes[k]))).squareRoot(), accuracy: 1e-5, "cluster \(k)")
        }
        XCTAssertEqual(ModelBuilder.clusterSizeFactors(model: plain, dataset: dataset, exponent: 0), [Float](repeating: 1, count: c.clusters))

        // Rebuilt with the exponent: the same items in the same order, scores times the factors.
        var scaledConfiguration = c
        scaledConfiguration.clusterSizeExponent = 0.5
        let built = try ModelBuilder.build(dataset: dataset, configuration: c)
        XCTAssertEqual(built.clusterStatistics.clusterSizes, sizes, "the statistics' pass counts the same sizes")
        let rebuilt = ModelBuilder.rebuildingShortlists(
            built.model, configuration: scaledConfiguration, dataset: dataset,
            decoder: built.decoder)
        XCTAssertEqual(rebuilt.shortlists.items, built.model.shortlists.items)
        for k in 0..<c.clusters {
            for e in built.model.shortlists.list(k) {
                XCTAssertEqual(rebuilt.shortlists.scores[e], built.model.shortlists.scores[e] * factors[k], "cluster \(k)")
            }
        }
    }
}
