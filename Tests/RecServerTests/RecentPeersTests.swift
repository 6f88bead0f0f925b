import RecServing
import RecWire
import XCTest

@testable import RecServer

final class RecentPeersTests: XCTestCase {
    func testAFloodOfPeersKeepsOnlyTheMostRecentlyHeard() {
        var peers = RecentPeers(capacity: 8)
        for n in 0..<10_000 { peers.saw([UInt8(n & 0xFF), UInt8(n >> 8)], at: WallInstant(microsecondsSinceEpoch: UInt64(n))) }
        XCTAssertEqual(peers.count, 8)
        XCTAssertEqual(peers.all, (9_992..<10_000).reversed().map { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    }

    func testAPeerHeardAgainIsNotEvicted() {
        var peers = RecentPeers(capacity: 2)
        peers.saw([1], at: 1)
        peers.saw([2], at: 2)
        peers.saw([1], at: 3)  // the coordinator keeps talking
        peers.saw([3], at: 4)  // a stranger arrives: [2] is the least recent
        XCTAssertTrue(peers.contains([1]))
        XCTAssertFalse(peers.contains([2]))
        XCTAssertEqual(peers.all, [[3], [1]])
    }
}
