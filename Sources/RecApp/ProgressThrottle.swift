/// When a non-interactive progress log (a file, a CI log, `kubectl logs`) gets a line: at the end
/// of every epoch, and mid-epoch whenever `interval` seconds passed since the last line, so a long
/// epoch still shows it is alive. A pure value: the caller passes the time.
struct ProgressThrottle {
    let interval: Double
    private var lastLine: Double?
    private var lastEpoch = 0

    init(interval: Double = 10) { self.interval = interval }

    /// Whether to print a line for batch `batch` of `batches` in `epoch`, at time `now` (seconds).
    mutating func shouldPrint(epoch: Int, batch: Int, batches: Int, now: Double) -> Bool {
        let epochEnd = batch == batches && epoch != lastEpoch
        let due = now - (lastLine ?? now) >= interval
        if lastLine == nil { lastLine = now }
        guard epochEnd || due else { return false }
        if epochEnd { lastEpoch = epoch }
        lastLine = now
        return true
    }
}
