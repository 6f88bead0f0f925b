import ArgumentParser
import RecApp

@main
struct EfficientRecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "efficientrec",
        abstract: "A recommender whose size and per-request cost do not grow with the number of users.",
        discussion: """
            Users are represented only by their interactions (and optional attributes); a small MLP maps that \
            profile to K sigmoid soft clusters; a recommendation is a vote over the shortlists of the user's \
            top clusters. A brand-new user is served instantly, with no retraining.
            """,
        subcommands: [
            Train.self, Refresh.self, Recommend.self, Compare.self, Evaluate.self, Generate.self, BenchTrain.self,
            Worker.self, Coordinator.self, Query.self, Cluster.self, Bench.self, Status.self, Rollback.self, Block.self, BenchCore.self,
            BenchFloor.self, Keys.self
        ]
    )
}

/// Runs a job and turns its error into a clean message and exit code 1.
func runJob(_ body: () throws -> Void) throws {
    do { try body() } catch let error as AppError {
        Terminal.log("error: \(error.description)")
        throw ExitCode.failure
    }
}
