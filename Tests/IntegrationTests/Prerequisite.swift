import Foundation
import XCTest

/// What a test needs from outside the repository (MovieLens, Python with pyzmq). In CI it must be
/// there: a missing prerequisite fails the test. Only with `EFFICIENTREC_OFFLINE=1` (working without
/// the network) is it skipped, and the suite's summary line then counts the skip.
enum Prerequisite {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static var offline: Bool { ProcessInfo.processInfo.environment["EFFICIENTREC_OFFLINE"] == "1" }

    /// Throws XCTSkip (offline) or a failing error when `available` is false.
    static func require(_ available: Bool, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard !available else { return }
        if offline { throw XCTSkip("\(what) (skipped: EFFICIENTREC_OFFLINE=1)") }
        XCTFail("\(what); set EFFICIENTREC_OFFLINE=1 to skip instead", file: file, line: line)
        throw Missing(description: what)
    }

    /// python3 with pyzmq and protobuf, and protoc (deploy/install-deps.sh installs them).
    static func python() throws {
        let check = try CLIShell.run("/bin/sh", ["-c", "python3 -c 'import zmq, google.protobuf' && command -v protoc"])
        try require(check.status == 0, "python3 with pyzmq and protobuf, or protoc, is missing (deploy/install-deps.sh installs them)")
    }
}
