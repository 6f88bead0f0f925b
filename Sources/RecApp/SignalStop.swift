import Dispatch
import Foundation
import RecServer

/// SIGINT and SIGTERM set a stop flag (the I/O loops notice within their poll timeout).
enum SignalStop {
    static func install() -> (StopFlag, [DispatchSourceSignal]) {
        let flag = StopFlag()
        let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { flag.stop() }
            source.resume()
            return source
        }
        return (flag, sources)
    }
}

/// Prints a line to standard output and flushes it (launchers read endpoints from it).
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
