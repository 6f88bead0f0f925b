import Foundation

/// The host's CPU time by kind (Linux `/proc/stat`, first line), so a benchmark can say how much of
/// the machine it had: on a shared virtual machine the hypervisor's "steal" time is CPU this job was
/// ready to use and did not get.
public struct HostCPU: Sendable {
    /// Clock ticks since boot: user + nice, system (with interrupts), idle (with I/O wait), steal.
    public var busy: UInt64
    public var idle: UInt64
    public var steal: UInt64

    /// Now, or nil where `/proc/stat` cannot be read.
    public static func sample() -> HostCPU? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard v.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal
        return HostCPU(busy: v[0] + v[1] + v[2] + v[5] + v[6], idle: v[3] + v[4], steal: v[7])
    }

    /// "host CPU since then: 58 % busy, 17 % idle, 27 % stolen by the hypervisor".
    public func describe(since earlier: HostCPU) -> String {
        let busy = Double(self.busy &- earlier.busy), idle = Double(self.idle &- earlier.idle), steal = Double(self.steal &- earlier.steal)
        let total = busy + idle + steal
        guard total > 0 else { return "host CPU: no ticks elapsed" }
        return String(
            format: "host CPU meanwhile: %.0f %% busy, %.0f %% idle, %.0f %% stolen by the hypervisor",
            100 * busy / total, 100 * idle / total, 100 * steal / total)
    }
}
