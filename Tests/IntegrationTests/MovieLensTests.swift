import Foundation
import XCTest
import RecApp
import RecEval
import RecModel

/// The targets of the core issue on real data, when `deploy/fetch-movielens.sh` could fetch it.
final class MovieLensTests: XCTestCase {
    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/ml-100k").path
    }

    func testDefaultModelBeatsPopularityItemKNNAndKMeansOnMovieLens() throws {
        let d = Self.directory
        try Prerequisite.require(FileManager.default.fileExists(atPath: d + "/ml-100k.inter"),
                                 "MovieLens-100K is not in data/ml-100k (deploy/fetch-movielens.sh fetches it)")
        var job = EvaluateJob(interactions: d + "/ml-100k.inter", items: d + "/ml-100k.item", users: d + "/ml-100k.user",
                              configuration: ModelConfiguration())
        job.baselines = [.pop, .itemknn, .kmeans]
        job.quiet = true
        let report = try job.run()
        func score(_ model: String) -> ModelScores { report.scores.first { $0.model == model && $0.relevanceThreshold == 4 }! }
        let ours = score("efficientrec")
        for baseline in ["pop", "itemknn"] {
            XCTAssertGreaterThan(ours.ndcg[10]!, score(baseline).ndcg[10]! + 0.02, baseline)
            XCTAssertGreaterThan(ours.precision[50]!, score(baseline).precision[50]!, baseline)
        }
        // One trained model, so these margins must hold for whatever kernels OpenBLAS picks on the CI
        // machine. Measured on this split under every kernel an AVX-512 Xeon can run (k-means:
        // 0.4229 NDCG@10, 0.2186 P@50, the same everywhere — it does not train with BLAS):
        //   SkylakeX 0.4356 / 0.2226, Haswell and Zen 0.4346 / 0.2211, Sandybridge 0.4468 / 0.2187,
        //   Nehalem 0.4344 / 0.2208, Prescott 0.4439 / 0.2213 (NDCG@10 / P@50).
        // The NDCG@10 lead is 0.0115-0.024 (the guard asks 0.005); P@50 is a tie (the guard allows 0.005 below).
        XCTAssertGreaterThan(ours.ndcg[10]!, score("kmeans").ndcg[10]! + 0.005)
        XCTAssertGreaterThan(ours.precision[50]!, score("kmeans").precision[50]! - 0.005)
    }
}
