import EfficientRecClient
import RecData
import RecInference
import RecServer
import RecWire
import XCTest

/// Requests for the serving fixture's first users, with each model version's offline answer: a
/// round sends them all pipelined and checks that every reply is complete and equals exactly the
/// offline answer of the version it names.
struct ExactWorkload {
    let messages: [(id: String, bytes: [UInt8])]
    /// model version → request ID → items.
    let expected: [String: [String: [String]]]

    init(models: [RecommenderModel], users: Int = 60) throws {
        let log = try InteractionLog.read(path: ServingTests.fixture.dir + "/interactions.tsv")
        var expected: [String: [String: [String]]] = [:]
        var messages: [(id: String, bytes: [UInt8])] = []
        for u in 0..<users {
            let h = log.history(of: u)
            let ids = h.items.map { log.items[$0] }
            for m in models {
                var vote = m.makeVote()
                let (mapped, _) = m.mapHistory(itemIDs: ids, ratings: h.ratings)
                expected[m.version, default: [:]]["u\(u)"] = m.recommend(
                    history: mapped, attributes: m.attributes.encode(nil), k: 10,
                    vote: &vote
                ).items.map { m.items[$0.index] }
            }
            messages.append(
                (
                    "u\(u)",
                    ClientMessage.recommend(RecommendRequest(requestID: "u\(u)", itemIDs: ids, ratings: h.ratings, k: 10))
                        .serializedBytes()
                ))
        }
        self.messages = messages
        self.expected = expected
    }

    /// One pipelined round (window 8); returns how many replies each model version gave.
    @discardableResult
    func round(_ client: QueryClient, _ phase: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Int] {
        let replies = try client.exchange(messages, window: 8)
        XCTAssertEqual(replies.count, messages.count, phase, file: file, line: line)
        var versions: [String: Int] = [:]
        for (id, reply) in replies {
            guard case let .recommend(r) = reply else { XCTFail("\(phase) \(id): \(reply)", file: file, line: line); continue }
            XCTAssertEqual(r.coverage, 1, "\(phase) \(id): \(r.degradedReasons)", file: file, line: line)
            XCTAssertEqual(
                r.itemIDs, expected[r.modelVersion]?[id], "\(phase) \(id): not exactly version \(r.modelVersion)'s answer",
                file: file, line: line)
            versions[r.modelVersion, default: 0] += 1
        }
        return versions
    }
}
