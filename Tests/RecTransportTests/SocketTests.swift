import XCTest

@testable import RecTransport

/// Real libzmq sockets on 127.0.0.1 with ports chosen by the kernel (no collisions between tests).
final class SocketTests: XCTestCase {
    func receive(_ socket: ZMQSocket, timeout: Int = 2_000) throws -> [[UInt8]]? {
        let poller = Poller()
        let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        while Date() < deadline {
            if let m = try socket.receive() { return m }
            _ = try poller.wait(sockets: [socket], timeoutMilliseconds: 50)
        }
        return nil
    }

    func testRouterDealerRoundTripOnAnEphemeralPort() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:"), endpoint)
        XCTAssertNotEqual(endpoint, "tcp://127.0.0.1:0")
        let dealer = try ZMQSocket(context: context, kind: .dealer)
        try dealer.connect(endpoint)
        XCTAssertTrue(try dealer.send([Array("hello".utf8)]))
        let request = try XCTUnwrap(try receive(router))
        XCTAssertEqual(request.count, 2, "ROUTER prefixes the peer's routing id")
        XCTAssertEqual(request[1], Array("hello".utf8))
        try router.send([request[0], [], Array("world".utf8)])
        let reply = try XCTUnwrap(try receive(dealer))
        XCTAssertEqual(reply, [[], Array("world".utf8)])
    }

    func testRouterMandatoryRefusesUnknownPeers() throws {
        let context = try ZMQContext()
        let router = try ZMQSocket(context: context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        XCTAssertThrowsError(try router.send([Array("nobody".utf8), Array("x".utf8)])) { error in
            XCTAssertTrue((error as? TransportError)?.isHostUnreachable ?? false, "\(error)")
        }
    }

    func testErrorsAreTyped() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, kind: .dealer)
        XCTAssertThrowsError(try socket.bind("nonsense://x")) { error in
            let e = error as? TransportError
            XCTAssertEqual(e?.operation, "zmq_bind(nonsense://x)")
            XCTAssertFalse(e?.message.isEmpty ?? true)
        }
        XCTAssertNil(try socket.receive(), "nothing waiting: nil, not a block")
    }

    func testWakeupInterruptsAPoll() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, kind: .dealer)
        let wakeup = try Wakeup()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { wakeup.signal() }
        let started = Date()
        let ready = try Poller().wait(sockets: [socket], descriptors: [wakeup.descriptor], timeoutMilliseconds: 5_000)
        XCTAssertEqual(ready.descriptors, [true])
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)
        wakeup.drain()
        XCTAssertEqual(try Poller().wait(sockets: [], descriptors: [wakeup.descriptor], timeoutMilliseconds: 0).descriptors, [false])
    }

    func testHighWaterMarkDropsAreCounted() throws {
        let context = try ZMQContext()
        var options = ZMQSocket.Options()
        options.sendHighWaterMark = 5
        options.immediate = false
        let dealer = try ZMQSocket(context: context, kind: .dealer, options: options)
        try dealer.connect("tcp://127.0.0.1:1")  // nobody listens: messages queue up to the HWM
        var sent = 0
        for _ in 0..<50 where try dealer.send([[1, 2, 3]]) { sent += 1 }
        XCTAssertLessThan(sent, 50)
        XCTAssertEqual(dealer.droppedMessages, 50 - sent)
    }
}
