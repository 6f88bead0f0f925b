import XCTest

@testable import RecTransport

/// CURVE encryption with a ZAP handler that admits listed client keys only, over real sockets.
final class CurveSecurityTests: XCTestCase {
    struct Server {
        let context: ZMQContext
        let guardian: SecurityGuard
        let socket: ZMQSocket
        let endpoint: String
    }

    func startServer(keys: CurveKeyPair, allowed: Set<String>) throws -> Server {
        let context = try ZMQContext()
        let guardian = try SecurityGuard(context: context, allowedClients: allowed)
        var options = ZMQSocket.Options()
        options.curve = .server(keys: keys)
        let socket = try ZMQSocket(context: context, kind: .router, options: options)
        try guardian.guardSocket(socket)
        try socket.bind("tcp://127.0.0.1:*")
        return Server(context: context, guardian: guardian, socket: socket, endpoint: try socket.lastEndpoint())
    }

    /// Sends "ping" from a client with `curve` and reports whether the server received it.
    func delivered(to server: Server, curve: ZMQSocket.CurveRole?, wait: Double = 0.6) throws -> Bool {
        let context = try ZMQContext()
        var options = ZMQSocket.Options()
        options.curve = curve
        let client = try ZMQSocket(context: context, kind: .dealer, options: options)
        defer { client.close() }
        try client.connect(server.endpoint)
        _ = try client.send([Array("ping".utf8)])
        let deadline = Date().addingTimeInterval(wait)
        while Date() < deadline {
            if let frames = try server.socket.receive() { return frames.last == Array("ping".utf8) }
            _ = try Poller().wait(sockets: [server.socket], timeoutMilliseconds: 20)
        }
        return false
    }

    func waitFor(_ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(10)  // generous for a loaded machine; returns as soon as it holds
        while !condition() && Date() < deadline { usleep(10_000) }
    }

    func testListedClientIsAdmittedAndOthersAreRefusedAndCounted() throws {
        let serverKeys = try CurveKeyPair.generate()
        let known = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        let server = try startServer(keys: serverKeys, allowed: [known.publicKey])
        defer { server.socket.close(); server.guardian.stop() }

        XCTAssertTrue(try delivered(to: server, curve: .client(keys: known, serverKey: serverKeys.publicKey), wait: 10), "a listed key gets through")
        waitFor { server.guardian.counts.admitted == 1 }
        XCTAssertEqual(server.guardian.counts.admitted, 1)

        XCTAssertFalse(try delivered(to: server, curve: .client(keys: stranger, serverKey: serverKeys.publicKey)), "an unknown key is refused")
        waitFor { server.guardian.counts.refused >= 1 }
        XCTAssertGreaterThanOrEqual(server.guardian.counts.refused, 1)

        let impostor = try CurveKeyPair.generate()
        let failuresBefore = server.guardian.counts.handshakeFailures
        XCTAssertFalse(try delivered(to: server, curve: .client(keys: known, serverKey: impostor.publicKey)), "a wrong server key fails")
        waitFor { server.guardian.counts.handshakeFailures > failuresBefore }
        XCTAssertGreaterThan(server.guardian.counts.handshakeFailures, failuresBefore)

        let plainBefore = server.guardian.counts.handshakeFailures
        XCTAssertFalse(try delivered(to: server, curve: nil), "a plaintext client is refused")
        waitFor { server.guardian.counts.handshakeFailures > plainBefore }
        XCTAssertGreaterThan(server.guardian.counts.handshakeFailures, plainBefore)
        XCTAssertEqual(server.guardian.counts.admitted, 1, "nobody else was admitted")
    }

    func testKeysDeriveAndValidate() throws {
        let pair = try CurveKeyPair.generate()
        XCTAssertTrue(CurveKeyPair.isZ85Key(pair.publicKey))
        XCTAssertEqual(try CurveKeyPair(secretKey: pair.secretKey), pair)
        XCTAssertThrowsError(try CurveKeyPair(secretKey: "short"))
        XCTAssertThrowsError(try CurveKeyPair(secretKey: String(repeating: "~", count: 40)), "~ is not Z85")
        XCTAssertNotEqual(try CurveKeyPair.generate(), pair)
    }

    func testAServerWithoutAHandlerRefusesEveryone() throws {
        // ZAP_ENFORCE_DOMAIN: with no handler bound, authentication fails closed instead of being skipped.
        let context = try ZMQContext()
        let keys = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        var options = ZMQSocket.Options()
        options.curve = .server(keys: keys)
        let socket = try ZMQSocket(context: context, kind: .router, options: options)
        defer { socket.close() }
        try socket.bind("tcp://127.0.0.1:*")
        let server = Server(
            context: context, guardian: try SecurityGuard(context: try ZMQContext(), allowedClients: []), socket: socket,
            endpoint: try socket.lastEndpoint())
        defer { server.guardian.stop() }
        XCTAssertFalse(try delivered(to: server, curve: .client(keys: client, serverKey: keys.publicKey)))
    }
}
