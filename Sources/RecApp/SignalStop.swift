import Dispatch
import Foundation
import RecServer

/// SIGINT and SIGTERM set a stop flag (the I/O loops notice within their poll timeout).
enum SignalStop {
    /// The signal sources live as long as the process: an optimised build may release a local
    /// after its last use, and a released source stops delivering (SIGTERM was then ignored).
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Runs `action` (on a global queue) whenever `sig` arrives, for the life of the process.
    static func on(_ sig: Int32, _ action: @escaping @Sendable () -> Void) {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        sources.append(source)
    }

    /// Call once per process, from the main thread, before serving.
    static func install() -> StopFlag {
        let flag = StopFlag()
        sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { flag.stop() }
            source.resume()
            return source
        }
        return flag
    }
}

/// Prints a line to standard output and flushes it (launchers read endpoints from it).
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
