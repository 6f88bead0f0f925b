import Foundation

/// This process's memory as the kernel reports it (Linux `/proc/self/status`), for start-up logs
/// and benchmarks: resident now and at its peak, in bytes (nil where the file is absent).
public enum ProcessMemory {
    public static var resident: Int? { field("VmRSS:") }
    public static var peakResident: Int? { field("VmHWM:") }

    static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return digits.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    /// "123.4 MB", or "unknown".
    public static func describe(_ bytes: Int?) -> String {
        bytes.map { String(format: "%.1f MB", Double($0) / 1e6) } ?? "unknown"
    }
}
