import CRecProtocol

/// An error reply: a code a program can branch on and a message a person can act on.
public struct ErrorReply: Equatable, Sendable {
    public enum Code: Int, Sendable, CaseIterable {
        case unspecified = 0
        case malformed, invalidArgument, unsupportedProtocol, modelVersionUnavailable,
            deadlineExceeded, overloaded, lowCoverage, internalError
    }

    public var requestID: String
    public var code: Code
    public var message: String

    public init(requestID: String, code: Code, message: String) {
        self.requestID = requestID
        self.code = code
        self.message = message
    }

    func makeC(_ arena: CArena) -> Efficientrec__V1__Error {
        var m = Efficientrec__V1__Error()
        efficientrec__v1__error__init(&m)
        m.request_id = arena.string(requestID)
        m.code = Efficientrec__V1__ErrorCode(rawValue: UInt32(code.rawValue))
        m.message = arena.string(message)
        return m
    }

    init(_ c: Efficientrec__V1__Error, limits: WireLimits) throws(WireError) {
        requestID = try CRead.text(c.request_id, field: "error.request_id", limits: limits)
        code = Code(rawValue: Int(c.code.rawValue)) ?? .unspecified
        var relaxed = limits
        relaxed.maxStringBytes = max(limits.maxStringBytes, 16_384)
        message = try CRead.text(c.message, field: "error.message", limits: relaxed)
    }
}
