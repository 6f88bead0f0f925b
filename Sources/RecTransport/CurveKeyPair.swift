import CZeroMQ
import Foundation

/// A CURVE key pair in Z85 text (40 characters each), as libzmq takes them.
public struct CurveKeyPair: Equatable, Sendable {
    public var publicKey: String
    public var secretKey: String

    /// A fresh key pair from libzmq (libsodium underneath).
    public static func generate() throws(TransportError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw .last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(cString: pub), secretKey: String(cString: sec))
    }

    /// The pair for a secret key (the public key is derived from it).
    public init(secretKey: String) throws(TransportError) {
        guard CurveKeyPair.isZ85Key(secretKey) else {
            throw TransportError(operation: "CURVE key", code: EINVAL, message: "a secret key is 40 Z85 characters")
        }
        var pub = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&pub, secretKey) == 0 else { throw .last("zmq_curve_public") }
        self.init(publicKey: String(cString: pub), secretKey: secretKey)
    }

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// 40 characters of the Z85 alphabet (a 32-byte key).
    public static func isZ85Key(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { z85Alphabet.contains($0) }
    }

    /// The Z85 text of a 32-byte binary key (what a ZAP request carries).
    static func z85(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&out, bytes, 32) != nil else { return nil }
        return String(cString: out)
    }
}
