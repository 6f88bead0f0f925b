import Foundation
import RecInference
import RecModelFile
import RecTestSupport
import RecTraining
import XCTest

/// Drives the real `efficientrec` executable as a separate process on a small generated data set.
final class CommandLineTests: XCTestCase {
    static var binary: String { CLI.binary }

    @discardableResult
    func run(_ arguments: [String]) throws -> CLI.Run { try CLI.run(arguments) }

    let small = [
        "--clusters", "12", "--top-clusters", "3", "--shortlist-length", "30", "--epochs", "4", "--sparse-epochs", "1",
        "--embedding-dim", "16", "--profile-dim", "16", "--head-hidden", "32", "--threads", "1"
    ]

    func testGenerateTrainRecommendEvaluate() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
        let dir = TestFixtures.temporaryDirectory("cli")
        let gen = try run(["generate", "--users", "200", "--items", "60", "--groups", "3", "--out", dir + "/data", "--seed", "4"])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        let data = ["--interactions", dir + "/data/interactions.tsv", "--items", dir + "/data/items.tsv", "--users", dir + "/data/users.tsv"]
        let train = try run(["train"] + data + ["--out", dir + "/model.efr"] + small)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("model version"), train.stderr)
        // Determinism across processes (hash seeds differ between processes): same seed, same model.
        let again = try run(["train"] + data + ["--out", dir + "/model2.efr"] + small)
        func version(_ text: String) -> Substring? {
            guard let range = text.range(of: "model version ") else { return nil }
            return text[range.upperBound...].prefix(16)
        }
        XCTAssertNotNil(version(train.stderr))
        XCTAssertEqual(version(train.stderr), version(again.stderr))

        // Histories: a known user, a new user with an unknown item, and a user whose items are all unknown.
        TestFixtures.write("user\titem\trating\nnew1\ti1\t5\nnew1\ti4\t5\nnew1\tghost\t5\nnew2\tghost\t4\nnew3\ti2\t5\n", to: dir + "/h.tsv")
        let rec = try run(["recommend", "--model", dir + "/model.efr", "--histories", dir + "/h.tsv", "-k", "5", "--output", dir + "/out.tsv"])
        XCTAssertEqual(rec.status, 0, rec.stderr)
        XCTAssertTrue(rec.stderr.contains("2 unknown item IDs skipped"), rec.stderr)
        let lines = try String(contentsOfFile: dir + "/out.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "user\titem\trank\tscore")
        XCTAssertEqual(lines.count, 1 + 3 * 5)
        let new1 = lines.dropFirst().map { $0.split(separator: "\t") }.filter { $0[0] == "new1" }
        XCTAssertEqual(new1.map { String($0[2]) }, ["1", "2", "3", "4", "5"])
        XCTAssertFalse(new1.contains { $0[1] == "i1" || $0[1] == "i4" }, "history items are never recommended")

        // compare: the model's list (the offline answer) next to EASE's, with popularity ranks.
        let cmp = try run([
            "compare", "--model", dir + "/model.efr", "--interactions", dir + "/data/interactions.tsv",
            "--history", "i1:5,i4:5,ghost:5", "-k", "5"
        ])
        XCTAssertEqual(cmp.status, 0, cmp.stderr)
        let rows = cmp.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.first, ["model", "rank", "item", "popularity_rank"])
        let ours = rows.dropFirst().filter { $0[0] == "efficientrec" }.map { $0[2] }
        XCTAssertEqual(ours, Array(new1.map { String($0[1]) }), "compare shows exactly what recommend answers")
        XCTAssertEqual(rows.dropFirst().filter { $0[0] == "ease" }.count, 5)
        XCTAssertFalse(rows.dropFirst().contains { $0[2] == "i1" || $0[2] == "i4" })
        XCTAssertTrue(rows.dropFirst().allSatisfy { Int($0[3]).map { $0 >= 1 && $0 <= 61 } ?? false })
        XCTAssertTrue(cmp.stderr.contains("mean popularity rank") && cmp.stderr.contains("1 history items unknown"), cmp.stderr)
        let badHistory = try run([
            "compare", "--model", dir + "/model.efr", "--interactions", dir + "/data/interactions.tsv",
            "--history", "i1:lots"
        ])
        XCTAssertNotEqual(badHistory.status, 0)
        XCTAssertTrue(badHistory.stderr.contains("not a rating"), badHistory.stderr)

        let eval = try run(["evaluate"] + data + ["--baselines", "pop,kmeans", "--json", dir + "/eval.json"] + small)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("NDCG@10"))
        for name in ["efficientrec", "pop", "kmeans"] { XCTAssertTrue(eval.stdout.contains(name), name) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/eval.json"))
    }

    /// `refresh` writes a new model version from a fresh log with the trained encoder,
    /// reports items it does not know, and refuses a missing model with a clear error.
    func testRefreshWritesANewVersionFromAFreshLog() throws {
        let fixture = ServingTests.fixture
        let dir = TestFixtures.temporaryDirectory("refresh")
        var text = try String(contentsOfFile: fixture.dir + "/interactions.tsv", encoding: .utf8)
        text += "newcomer\tnot-in-the-catalogue\t5\t1\nnewcomer\tbrand-new\t5\t2\n"
        FileManager.default.createFile(atPath: dir + "/recent.tsv", contents: Data(text.utf8))
        // A new item with features: it joins the catalogue through the item tower.
        var items = try String(contentsOfFile: fixture.dir + "/items.tsv", encoding: .utf8)
        items += "brand-new\tBrand New\tgenre-0\t2001\n"
        FileManager.default.createFile(atPath: dir + "/items.tsv", contents: Data(items.utf8))
        let run = try CLI.run([
            "refresh", "--model", fixture.model, "--interactions", dir + "/recent.tsv", "--items", dir + "/items.tsv",
            "--out", dir + "/refreshed.efr"
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("1 interactions with 1 items the model does not know were skipped"), run.stderr)
        XCTAssertTrue(run.stderr.contains("1 items added to the catalogue from their features"), run.stderr)
        let before = try ModelFile.load(path: fixture.model), after = try ModelFile.load(path: dir + "/refreshed.efr")
        XCTAssertNotEqual(before.version, after.version)
        XCTAssertEqual(Array(after.items.ids.prefix(before.items.count)), before.items.ids)
        XCTAssertEqual(after.items.ids.last, "brand-new")
        let missing = try CLI.run(["refresh", "--model", dir + "/nope.efr", "--interactions", dir + "/recent.tsv", "--out", dir + "/x.efr"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.efr"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.efr"))
    }

    func testBadInputGivesAClearErrorAndExitCode() throws {
        let dir = TestFixtures.temporaryDirectory("cli-bad")
        TestFixtures.write("garbage", to: dir + "/bad.efr")
        TestFixtures.write("user\titem\trating\nu\ti\t4\n", to: dir + "/h.tsv")
        let corrupt = try run(["recommend", "--model", dir + "/bad.efr", "--histories", dir + "/h.tsv"])
        XCTAssertNotEqual(corrupt.status, 0)
        XCTAssertTrue(corrupt.stderr.contains("not an EfficientRec model file"), corrupt.stderr)
        let badK = try run(["recommend", "--model", dir + "/bad.efr", "--histories", dir + "/h.tsv", "-k", "0"])
        XCTAssertNotEqual(badK.status, 0)
        XCTAssertTrue(badK.stderr.contains("-k must be between"), badK.stderr)
        let badFlag = try run(["train", "--interactions", dir + "/h.tsv", "--out", dir + "/m.efr", "--clusters", "-3"])
        XCTAssertNotEqual(badFlag.status, 0)
        XCTAssertTrue(badFlag.stderr.contains("clusters"), badFlag.stderr)
        let badObjective = try run(["train", "--interactions", dir + "/h.tsv", "--out", dir + "/m.efr", "--objective", "magic"])
        XCTAssertTrue(badObjective.stderr.contains("The value 'magic' is invalid for '--objective"), badObjective.stderr)
        TestFixtures.write("user\titem\trating\nu\ti\tlots\n", to: dir + "/broken.tsv")
        let badData = try run(["train", "--interactions", dir + "/broken.tsv", "--out", dir + "/m.efr"])
        XCTAssertNotEqual(badData.status, 0)
        XCTAssertTrue(badData.stderr.contains("broken.tsv:2:"), badData.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.efr"), "nothing is written on failure")
        TestFixtures.write("user\titem\trating\n", to: dir + "/no-users.tsv")
        let emptyBench = try run(["bench", "--coordinator", "tcp://127.0.0.1:1", "--histories", dir + "/no-users.tsv", "--duration", "1"])
        XCTAssertNotEqual(emptyBench.status, 0)
        XCTAssertTrue(emptyBench.stderr.contains("has no users"), emptyBench.stderr)
        let coordinator = ["coordinator", "--model", dir + "/bad.efr", "--workers", "tcp://127.0.0.1:1", "--bind", "tcp://127.0.0.1:*"]
        for (flags, expected) in [
            (["--min-coverage", "2"], "min coverage must be between 0 and 1"),
            (["--attempt-timeout-ms", "0"], "--attempt-timeout-ms must be positive"),
            (["--hedge-budget=1.5"], "hedging budget must be between 0 and 1"),
            (["--latency-target-ms=-5"], "--latency-target-ms must be 0 (off) or positive"),
            (["--heartbeat-ms", "400", "--heartbeat-timeout-ms", "100"], "heartbeat timeout must be longer")
        ] {
            let bad = try run(coordinator + flags)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(expected), "\(flags): \(bad.stderr)")
        }
        // CURVE key files: wrong file kinds, mismatched or malformed keys, and flags that go together.
        XCTAssertEqual(try run(["keys", "generate", "--out", dir + "/k"]).status, 0)
        // As docs/operations.md writes it in a fresh checkout: the folder is made.
        XCTAssertEqual(try run(["keys", "generate", "--out", dir + "/keys/nested/client"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/keys/nested/client.key"))
        TestFixtures.write("public-key = \"tooshort\"\n", to: dir + "/bad.pub")
        TestFixtures.write("secret-key = oops\n", to: dir + "/bad.key")
        let worker = ["worker", "--model", dir + "/bad.efr", "--shard", "0", "--shards", "1", "--bind", "tcp://127.0.0.1:*"]
        for (flags, expected) in [
            (["--curve-secret", dir + "/k.pub", "--curve-clients", dir + "/k.pub"], "holds no secret-key"),
            (["--curve-secret", dir + "/bad.key", "--curve-clients", dir + "/k.pub"], "expected name = \"value\""),
            (["--curve-secret", dir + "/k.key", "--curve-clients", dir + "/bad.pub"], "not a 40-character Z85 public key"),
            (["--curve-secret", dir + "/k.key"], "--curve-secret and --curve-clients go together")
        ] {
            let bad = try run(worker + flags)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(expected), "\(flags): \(bad.stderr)")
        }
        let help = try run(["--help"])
        for sub in ["train", "recommend", "evaluate", "generate"] { XCTAssertTrue(help.stdout.contains(sub), sub) }
    }
}
