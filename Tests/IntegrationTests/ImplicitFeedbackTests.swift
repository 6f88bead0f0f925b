import Foundation
import RecApp
import RecEval
import RecInference
import RecModelFile
import RecTestSupport
import XCTest

/// Implicit feedback end to end through the real executable — a two-column `user item` log and one
/// where every rating is equal (clicks, purchases): train, recommend, evaluate and a cluster.
/// (An implicit model once trained and then could not be written: its rating scale held −∞.)
final class ImplicitFeedbackTests: XCTestCase {
    let small = [
        "--clusters", "12", "--top-clusters", "3", "--shortlist-length", "30", "--epochs", "4", "--sparse-epochs", "1",
        "--embedding-dim", "16", "--profile-dim", "16", "--head-hidden", "32", "--threads", "1"
    ]

    /// The generated log's liked interactions as an implicit log: two columns, or three with rating 1.
    static let logs: (dir: String, twoColumns: String, equalRatings: String) = {
        let dir = TestFixtures.generatedDirectory(users: 200, items: 60, groups: 3, seed: 5)
        let text = (try? String(contentsOfFile: dir + "/interactions.tsv", encoding: .utf8)) ?? ""
        var twoColumns = "user\titem\n", equal = "user\titem\trating\n"
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 3, let rating = Double(fields[2]), rating >= 4 else { continue }
            twoColumns += fields[0] + "\t" + fields[1] + "\n"
            equal += fields[0] + "\t" + fields[1] + "\t1\n"
        }
        TestFixtures.write(twoColumns, to: dir + "/two-columns.tsv")
        TestFixtures.write(equal, to: dir + "/equal.tsv")
        return (dir, dir + "/two-columns.tsv", dir + "/equal.tsv")
    }()

    func testBothImplicitLogsTrainRecommendEvaluateAndServe() throws {
        let dir = Self.logs.dir
        TestFixtures.write("user\titem\nnew1\ti1\nnew1\ti4\nnew2\ti2\nnew2\ti5\nnew2\ti8\n", to: dir + "/implicit-histories.tsv")
        for (name, log) in [("two-columns", Self.logs.twoColumns), ("equal", Self.logs.equalRatings)] {
            let model = dir + "/\(name).efr"
            let train = try CLI.run(["train", "--interactions", log, "--items", dir + "/items.tsv", "--out", model] + small)
            XCTAssertEqual(train.status, 0, "\(name): \(train.stderr)")
            let loaded = try ModelFile.load(path: model)
            XCTAssertTrue(loaded.configuration.ratingScale.implicit, name)
            XCTAssertTrue(loaded.configuration.ratingScale.isFinite, name)

            let rec = try CLI.run([
                "recommend", "--model", model, "--histories", dir + "/implicit-histories.tsv", "-k", "5",
                "--output", dir + "/\(name)-offline.tsv"
            ])
            XCTAssertEqual(rec.status, 0, "\(name): \(rec.stderr)")
            let lines = try String(contentsOfFile: dir + "/\(name)-offline.tsv", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 1 + 2 * 5, name)
            XCTAssertFalse(lines.contains { $0.hasPrefix("new1\ti1\t") || $0.hasPrefix("new1\ti4\t") }, "\(name): history recommended back")

            let eval = try CLI.run(["evaluate", "--interactions", log, "--baselines", "pop", "--json", dir + "/\(name)-eval.json"] + small)
            XCTAssertEqual(eval.status, 0, "\(name): \(eval.stderr)")
            let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/\(name)-eval.json")))
            XCTAssertEqual(Set(report.scores.map(\.relevanceThreshold)).count, 1, "\(name): one table for implicit data")
            XCTAssertEqual(Set(report.scores.map(\.model)), ["efficientrec", "efficientrec-vote", "itemitem", "pop"], name)
            for s in report.scores {
                XCTAssertGreaterThan(s.users, 0, "\(name): every held-out interaction is relevant")
                XCTAssertGreaterThan(s.ndcg[10] ?? 0, 0, "\(name) \(s.model)")
            }

            // Served by a cluster: the same answers as offline.
            let cluster = try LocalProcess.launch(CLI.binary, ["cluster", "--model", model, "--shards", "2", "--port", "0"])
            defer { cluster.terminate() }
            let endpoint = String(try cluster.firstLine(containing: "coordinator: tcp", timeoutSeconds: 60).split(separator: " ")[1])
            let query = try CLI.run([
                "query", "--coordinator", endpoint, "--histories", dir + "/implicit-histories.tsv", "-k", "5",
                "--output", dir + "/\(name)-online.tsv"
            ])
            XCTAssertEqual(query.status, 0, "\(name): \(query.stderr)")
            XCTAssertEqual(
                try String(contentsOfFile: dir + "/\(name)-online.tsv", encoding: .utf8),
                try String(contentsOfFile: dir + "/\(name)-offline.tsv", encoding: .utf8), name)
        }
    }

    func testAnUnwritableOutputFailsBeforeTrainingAndNamesThePath() throws {
        let dir = Self.logs.dir
        let out = dir + "/no-such-directory/model.efr"
        let started = Date()
        let train = try CLI.run(["train", "--interactions", Self.logs.equalRatings, "--out", out] + small)
        XCTAssertNotEqual(train.status, 0)
        XCTAssertTrue(train.stderr.contains("cannot write model file '\(out)'"), train.stderr)
        XCTAssertFalse(train.stderr.contains("loaded"), "it failed before loading the data: \(train.stderr)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        let directory = try CLI.run(["train", "--interactions", Self.logs.equalRatings, "--out", dir] + small)
        XCTAssertNotEqual(directory.status, 0)
        XCTAssertTrue(directory.stderr.contains("it is a directory"), directory.stderr)
    }
}
