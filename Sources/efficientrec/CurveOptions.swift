import ArgumentParser
import RecApp

/// CURVE flags of a process that binds a secured socket (worker, coordinator).
struct ServerCurveOptions: ParsableArguments {
    @Option(help: "CURVE: this process's secret key file (see `efficientrec keys generate`); turns on encryption and authentication.")
    var curveSecret: String?
    @Option(help: "CURVE: public keys allowed to connect: a .pub file or a directory of .pub files.")
    var curveClients: String?

    func validate() throws {
        guard (curveSecret == nil) == (curveClients == nil) else {
            throw ValidationError("--curve-secret and --curve-clients go together")
        }
    }
}

/// CURVE flags of a client of the coordinator (query, bench, status).
struct ClientCurveOptions: ParsableArguments {
    @Option(help: "CURVE: this client's secret key file.") var curveSecret: String?
    @Option(help: "CURVE: the coordinator's public key file.") var curveServerKey: String?

    func validate() throws {
        guard (curveSecret == nil) == (curveServerKey == nil) else {
            throw ValidationError("--curve-secret and --curve-server-key go together")
        }
    }

    func settings() throws(AppError) -> SecuritySettings? {
        guard let curveSecret else { return nil }
        return try CurveKeyFiles.settings(secret: curveSecret, clients: nil, serverKey: curveServerKey)
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CURVE key material.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a CURVE key pair: BASE.key (secret, mode 0600) and BASE.pub (public).")
        @Option(help: "Path without extension, e.g. keys/coordinator.") var out: String

        func run() throws {
            try runJob {
                let paths = try CurveKeyFiles.generate(base: out)
                print("wrote \(paths.secret) and \(paths.public)")
            }
        }
    }
}
