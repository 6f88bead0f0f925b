import RecData
import RecMath
import RecTestSupport
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

/// `clusterBalance`: offsets fitted on the training users' cluster logits are folded into the
/// output bias, so each cluster is chosen by about n·C/K users and the encoder still serves as usual.
final class ClusterBalancingTests: XCTestCase {
    private func sizes(_ model: RecommenderModel, _ inputs: [ProfileInput]) -> [Int] {
        var sizes = [Int](repeating: 0, count: model.configuration.clusters)
        for input in inputs where !input.isEmpty {
            for (k, _) in model.topClusters(model.clusterActivations(input)) { sizes[k] += 1 }
        }
        return sizes
    }

    func testBalancingShiftsOnlyTheClusterBiasAndEvensTheClusterSizes() throws {
        let dataset = TestFixtures.generatedDataset(users: 240, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 3; c.sparseEpochs = 1
        c.shortlistSource = .members
        let plain = try ModelBuilder.build(dataset: dataset, configuration: c).model
        let inputs = (0..<dataset.log.users.count).map {
            ProfileInput.from(history: dataset.log.history(of: $0), attributes: dataset.userAttributeValues[$0], configuration: c)
        }
        let users = inputs.filter { !$0.isEmpty }.count
        let target = Double(users * c.topClusters) / Double(c.clusters)

        let full = ClusterBalancing.balanced(model: plain, inputs: inputs, fraction: 1, users: 10_000, threads: 2)
        for name in full.parameters.names where name != "cluster.b" {
            XCTAssertEqual(full.parameters[name], plain.parameters[name], "\(name) is untouched")
        }
        for k in 0..<c.clusters {
            XCTAssertEqual(full.parameters["cluster.b"].values[k], plain.parameters["cluster.b"].values[k] - full.offsets[k], accuracy: 1e-6)
        }
        let balanced = plain.replacing(parameters: full.parameters)
        let after = sizes(balanced, inputs)
        XCTAssertEqual(after.reduce(0, +), users * c.topClusters)
        for (k, size) in after.enumerated() {
            XCTAssert(Double(size) >= 0.5 * target && Double(size) <= 1.5 * target, "cluster \(k): \(size) users (target \(target))")
        }

        let half = ClusterBalancing.balanced(model: plain, inputs: inputs, fraction: 0.5, users: 10_000, threads: 1)
        XCTAssertEqual(half.offsets, full.offsets, "the offsets do not depend on the fraction or the threads")
        XCTAssertEqual(full.fittedOn, users)
        for k in 0..<c.clusters {
            XCTAssertEqual(half.parameters["cluster.b"].values[k], plain.parameters["cluster.b"].values[k] - 0.5 * full.offsets[k], accuracy: 1e-6)
        }
        XCTAssertEqual(
            ClusterBalancing.balanced(model: plain, inputs: inputs, fraction: 0, users: 10_000, threads: 1).parameters,
            plain.parameters)
    }

    func testABalancedModelIsBuiltSavedAndServedLikeAnyOther() throws {
        let dataset = TestFixtures.generatedDataset(users: 240, items: 60)
        var c = TestFixtures.smallConfiguration
        c.epochs = 3; c.sparseEpochs = 1
        c.shortlistSource = .members
        c.clusterBalance = 1
        let built = try ModelBuilder.build(dataset: dataset, configuration: c)
        let users = built.clusterStatistics.clusterSizes.reduce(0, +) / c.topClusters
        let target = Double(users * c.topClusters) / Double(c.clusters)
        XCTAssertLessThanOrEqual(
            Double(built.clusterStatistics.largestCluster), 1.5 * target,
            "the printed statistics describe the balanced encoder")
        let loaded = try ModelFile.decode(ModelFile.encode(built.model).bytes)
        var vote = loaded.makeVote(), original = built.model.makeVote()
        for u in 0..<20 {
            let h = dataset.log.history(of: u)
            let a = loaded.recommend(history: h, attributes: dataset.userAttributeValues[u], k: 10, vote: &vote)
            let b = built.model.recommend(history: h, attributes: dataset.userAttributeValues[u], k: 10, vote: &original)
            XCTAssertEqual(a.items.map(\.index), b.items.map(\.index))
            XCTAssertEqual(a.clusters.map(\.index), b.clusters.map(\.index))
        }
        var bad = c
        bad.clusterBalance = 1.5
        XCTAssertNotNil(bad.validationError())
    }
}
