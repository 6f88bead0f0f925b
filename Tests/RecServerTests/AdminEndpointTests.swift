import XCTest

@testable import RecServer

/// how the coordinator tells endpoints only this host can reach (loopback TCP, IPC,
/// inproc) from those other hosts can, to warn when an unsecured one is exposed.
final class AdminEndpointTests: XCTestCase {
    func testLoopbackEndpointsAreRecognised() {
        for e in ["tcp://127.0.0.1:5600", "tcp://127.0.0.1:*", "tcp://localhost:1", "tcp://[::1]:5", "ipc:///tmp/x", "inproc://a"] {
            XCTAssertTrue(CoordinatorServer.isLoopback(e), e)
        }
        for e in ["tcp://0.0.0.0:5600", "tcp://*:5600", "tcp://10.1.2.3:1", "tcp://example.org:80"] {
            XCTAssertFalse(CoordinatorServer.isLoopback(e), e)
        }
    }
}
