import RecInference

extension ModelConfiguration {
    /// The item–item model's fitting settings.
    public func itemItemSettings(threads: Int? = nil) -> ItemItemFit.Settings {
        var s = ItemItemFit.Settings()
        s.method = itemModelMethod
        s.lambda = itemModelLambda
        s.neighbours = itemModelNeighbours
        s.support = itemModelSupport
        s.threads = threads ?? self.threads
        return s
    }
}
