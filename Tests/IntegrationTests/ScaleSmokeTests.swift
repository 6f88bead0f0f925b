import Foundation
import RecApp
import RecEval
import RecInference
import RecModelFile
import RecTestSupport
import RecTraining
import XCTest

/// The scale path end to end through the real executable, on a generated log of ~200k
/// interactions whose catalogue is larger than the sampled loss's negatives and the teacher's
/// item budget: the sampled loss, the partial EASE teacher (reported, not silently off), early
/// stopping on held-back users, progress, and a model whose size does not grow with the users.
final class ScaleSmokeTests: XCTestCase {
    static let settings = [
        "--clusters", "32", "--top-clusters", "4", "--shortlist-length", "50",
        "--embedding-dim", "16", "--profile-dim", "16", "--head-hidden", "32", "--threads", "1",
        "--epochs", "6", "--sparse-epochs", "2", "--negative-samples", "512",
        "--teacher-items", "1500", "--teacher-neighbours", "64",
        "--validation-users", "300", "--patience", "2", "--validation-interval", "2500"
    ]

    func testTrainingOnAGeneratedLogOf200kInteractions() throws {
        let dir = TestFixtures.temporaryDirectory("scale")
        var sizes: [Int] = []
        for users in [4_000, 8_000] {
            let data = dir + "/\(users)"
            let generated = try CLI.run(["generate", "--users", "\(users)", "--items", "4000", "--groups", "10", "--out", data])
            XCTAssertEqual(generated.status, 0, generated.stderr)
            let model = data + "/model.efr"
            let started = Date()
            let train = try CLI.run(
                [
                    "train", "--interactions", data + "/interactions.tsv", "--items", data + "/items.tsv",
                    "--users", data + "/users.tsv", "--out", model
                ] + Self.settings)
            XCTAssertEqual(train.status, 0, train.stderr)
            print("scale smoke: \(users) users trained in " + String(format: "%.1f s", Date().timeIntervalSince(started)))
            XCTAssertTrue(train.stderr.contains("EASE teacher"), train.stderr)
            XCTAssertTrue(train.stderr.contains("on the top 1500 of 4000 items"), train.stderr)
            XCTAssertTrue(train.stderr.contains("validation NDCG@20 on 300 held-back training users"), train.stderr)
            // Checks come every 2,500 examples within an epoch, not only at its end.
            let epochs = Self.number(after: "trained ", in: train.stderr),
                checks = Self.number(after: " of ", in: train.stderr, following: "at check ")
            XCTAssertGreaterThan(checks, epochs, train.stderr)
            let loaded = try ModelFile.load(path: model)
            XCTAssertEqual(loaded.items.count, 4000)
            XCTAssertEqual(loaded.configuration.decoderLoss, .sampled)
            sizes.append((try FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? -1)
        }
        XCTAssertEqual(sizes[0], sizes[1], "model bytes must not depend on the number of users")
    }

    /// On planted tastes the model trained this way beats popularity on unseen users.
    func testTheScalePathBeatsPopularityOnUnseenUsers() throws {
        let dir = TestFixtures.temporaryDirectory("scale-eval")
        let generated = try CLI.run(["generate", "--users", "6000", "--items", "3000", "--groups", "10", "--out", dir])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let json = dir + "/report.json"
        let run = try CLI.run(
            [
                "evaluate", "--interactions", dir + "/interactions.tsv", "--items", dir + "/items.tsv",
                "--baselines", "pop", "--json", json
            ] + Self.settings)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        let liked = report.scores.map(\.relevanceThreshold).max()
        func ndcg(_ name: String) -> Double {
            report.scores.first { $0.model == name && $0.relevanceThreshold == liked }?.ndcg[10] ?? -1
        }
        XCTAssertGreaterThan(ndcg("efficientrec"), ndcg("pop"), run.stdout)
    }

    /// Start-up logs report resident memory read from /proc (a test process holds megabytes).
    func testResidentMemoryIsRead() {
        let resident = ProcessMemory.resident ?? 0, peak = ProcessMemory.peakResident ?? 0
        XCTAssertGreaterThan(resident, 1_000_000)
        XCTAssertGreaterThanOrEqual(peak, resident)
        XCTAssertEqual(ProcessMemory.describe(12_345_678), "12.3 MB")
        XCTAssertEqual(ProcessMemory.describe(nil), "unknown")
    }

    /// The integer right after `marker` (after `anchor`, when given) in `text`, or -1.
    static func number(after marker: String, in text: String, following anchor: String? = nil) -> Int {
        var rest = Substring(text)
        if let anchor, let r = rest.range(of: anchor) { rest = rest[r.upperBound...] }
        guard let r = rest.range(of: marker) else { return -1 }
        return Int(rest[r.upperBound...].prefix { $0.isNumber }) ?? -1
    }
}
