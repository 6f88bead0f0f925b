import RecInference

/// One loaded model version, held by reference: every request in flight points at the version it
/// started on without copying the model's ~20 reference-counted fields into its state (copying
/// them in and out of the pending table had cost a retain and a release each, per access).
final class SharedModel: Sendable {
    let model: RecommenderModel
    init(_ model: RecommenderModel) { self.model = model }
    var version: String { model.version }
}
