import Foundation

/// CPU time a process has used, user + system, as the kernel accounts it (Linux
/// `/proc/<pid>/stat`, the same counters `getrusage` reports to the process itself); for
/// benchmarks that run the cluster as child processes and print CPU per request.
public enum ProcessCPU {
    /// Seconds of CPU `pid` has used so far (nil when the process or the file is gone).
    public static func seconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parseStat(text)
    }

    /// utime + stime (fields 14 and 15) in seconds; the command name (field 2) may hold spaces
    /// and parentheses, so fields are counted after its last ')'.
    static func parseStat(_ text: String, ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK)))) -> Double? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticksPerSecond > 0 else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID): a timing on a shared
    /// machine that other processes' load does not inflate as it inflates wall time.
    public static func threadSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
