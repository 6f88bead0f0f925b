import RecVote
import RecWire

/// Whether a new recommendation may start: the hard cap on requests in flight, the adaptive limit
/// (`ConcurrencyLimit`, which keeps admitted requests under the latency target) and draining. The
/// request lifecycle reports admissions, completions and refusals back so the adaptive limit learns.
struct AdmissionControl {
    let maxInFlight: Int
    private(set) var adaptive: ConcurrencyLimit?
    /// Shutting down: requests in flight finish, new ones are refused.
    private(set) var draining = false

    init(configuration: CoordinatorCore.Configuration, now: WallInstant) {
        maxInFlight = configuration.maxInFlight
        adaptive = configuration.admissionSettings.map { ConcurrencyLimit(settings: $0, now: now) }
    }

    /// Requests in flight beyond which new recommendations are refused.
    var limit: Int { min(maxInFlight, adaptive?.limit ?? .max) }

    func admits(inFlight: Int) -> Bool { !draining && inFlight < limit }

    mutating func beginDrain() { draining = true }

    /// Why a request was refused, for the client's error message.
    var refusalReason: String {
        draining ? "it is shutting down" : "its limit of \(limit) requests in flight is reached"
    }

    /// A refusal while serving (not draining) tells the adaptive limit that demand exceeds it.
    mutating func noteRefusal() {
        if !draining { adaptive?.noteRefusal() }
    }

    mutating func admitted(inFlight: Int) { adaptive?.admitted(inFlight: inFlight) }

    mutating func completed(started: WallInstant, now: WallInstant) { adaptive?.record(started: started, now: now) }
}
