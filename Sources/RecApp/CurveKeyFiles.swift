import Foundation
import RecServer
import RecTransport

/// CURVE key files, in the shape of ZeroMQ's certificates:
///
///     # EfficientRec CURVE secret key — keep private
///     public-key = "Z85…"
///     secret-key = "Z85…"
///
/// `NAME.key` holds both keys (mode 0600); `NAME.pub` only the public one. A list of allowed clients
/// is a file with `public-key` lines or a directory of `.pub` files.
public enum CurveKeyFiles {
    /// A new key pair written to `base.key` and `base.pub`; returns their paths.
    @discardableResult
    public static func generate(base: String) throws(AppError) -> (secret: String, public: String) {
        try write(try AppError.wrap { try CurveKeyPair.generate() }, base: base)
    }

    /// Writes `base.key` and `base.pub`; returns their paths.
    @discardableResult
    public static func write(_ pair: CurveKeyPair, base: String) throws(AppError) -> (secret: String, public: String) {
        let secretPath = base + ".key", publicPath = base + ".pub"
        // `keys generate --out keys/client` in a fresh checkout: the folder is made first.
        let folder = (base as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw AppError("cannot create the folder \(folder) for the key files: \(error.localizedDescription)")
            }
        }
        let secret = "# EfficientRec CURVE secret key — keep private\npublic-key = \"\(pair.publicKey)\"\nsecret-key = \"\(pair.secretKey)\"\n"
        let pub = "# EfficientRec CURVE public key\npublic-key = \"\(pair.publicKey)\"\n"
        guard FileManager.default.createFile(atPath: secretPath, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]),
            FileManager.default.createFile(atPath: publicPath, contents: Data(pub.utf8))
        else {
            throw AppError("cannot write key files \(secretPath) and \(publicPath)")
        }
        return (secretPath, publicPath)
    }

    /// The key pair in a `.key` file (its public key is derived from the secret and checked).
    public static func readSecret(_ path: String) throws(AppError) -> CurveKeyPair {
        let fields = try read(path)
        guard let secret = fields["secret-key"]?.first else { throw AppError("\(path) holds no secret-key (is it a .pub file?)") }
        guard CurveKeyPair.isZ85Key(secret) else { throw AppError("\(path): the secret key is not 40 Z85 characters") }
        let pair = try AppError.wrap { try CurveKeyPair(secretKey: secret) }
        if let stated = fields["public-key"]?.first, stated != pair.publicKey {
            throw AppError("\(path): the public key does not belong to the secret key")
        }
        return pair
    }

    /// The public key in a `.pub` (or `.key`) file.
    public static func readPublic(_ path: String) throws(AppError) -> String {
        guard let key = try read(path)["public-key"]?.first else { throw AppError("\(path) holds no public-key") }
        guard CurveKeyPair.isZ85Key(key) else { throw AppError("\(path): the public key is not 40 Z85 characters") }
        return key
    }

    /// Allowed client keys: every `public-key` of a file, or of every `.pub` file in a directory.
    public static func readAllowed(_ path: String) throws(AppError) -> Set<String> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw AppError("cannot read \(path)") }
        let files: [String]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".pub") }.sorted().map { path + "/" + $0 }
        } else {
            files = [path]
        }
        var keys = Set<String>()
        for file in files {
            for key in try read(file)["public-key"] ?? [] {
                guard CurveKeyPair.isZ85Key(key) else { throw AppError("\(file): '\(key)' is not a 40-character Z85 public key") }
                keys.insert(key)
            }
        }
        guard !keys.isEmpty else { throw AppError("\(path) lists no client public keys") }
        return keys
    }

    /// `name = "value"` lines (comments and blank lines skipped); a name may repeat.
    static func read(_ path: String) throws(AppError) -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AppError("cannot read key file \(path)")
        }
        var fields: [String: [String]] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line == "curve" || line == "metadata" { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1].count >= 2, parts[1].hasPrefix("\""), parts[1].hasSuffix("\"") else {
                throw AppError("\(path):\(n + 1): expected name = \"value\"")
            }
            fields[parts[0], default: []].append(String(parts[1].dropFirst().dropLast()))
        }
        return fields
    }
}

extension CurveKeyFiles {
    /// A process's CURVE settings from key files: its own `.key`, the clients it admits (a file or
    /// a directory of `.pub` files), and the public key of the servers it connects to.
    public static func settings(secret: String, clients: String?, serverKey: String?) throws(AppError) -> CurveSettings {
        CurveSettings(
            keys: try readSecret(secret), allowedClients: try clients.map { (p: String) throws(AppError) in try readAllowed(p) } ?? [],
            serverKey: try serverKey.map { (p: String) throws(AppError) in try readPublic(p) })
    }

    /// Generates the key material of a whole cluster under `directory` (keeping files already there):
    /// `coordinator.key/.pub`, `worker.key/.pub`, and `clients/client.key/.pub`.
    public static func clusterKeys(in directory: String) throws(AppError) -> (coordinator: String, worker: String, clients: String, client: String) {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory + "/clients", withIntermediateDirectories: true) } catch {
            throw AppError("cannot create \(directory)/clients: \(error)")
        }
        for base in ["\(directory)/coordinator", "\(directory)/worker", "\(directory)/clients/client"] where !fm.fileExists(atPath: base + ".key") {
            try write(try AppError.wrap { try CurveKeyPair.generate() }, base: base)
        }
        return (directory + "/coordinator", directory + "/worker", directory + "/clients", directory + "/clients/client")
    }
}
