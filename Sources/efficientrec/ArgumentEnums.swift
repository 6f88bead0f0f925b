import ArgumentParser
import RecData
import RecInference
import RecTraining
import RecVote

// Settings that are one of a fixed set of names (the model's, the data reader's, the split's): ArgumentParser reads them from their
// raw values, lists the choices in `--help` and refuses anything else before a command runs.
extension ModelConfiguration.Objective: ExpressibleByArgument {}
extension ModelConfiguration.DecoderLoss: ExpressibleByArgument {}
extension ModelConfiguration.ShortlistRanking: ExpressibleByArgument {}
extension ModelConfiguration.TripletSpace: ExpressibleByArgument {}
extension ModelConfiguration.WindowRule: ExpressibleByArgument {}
extension ModelConfiguration.InputMode: ExpressibleByArgument {}
extension ModelConfiguration.ShortlistSource: ExpressibleByArgument {}
extension ModelConfiguration.ShortlistAggregation: ExpressibleByArgument {}
extension ModelConfiguration.ClusterActivation: ExpressibleByArgument {}
extension ModelConfiguration.Ranking: ExpressibleByArgument {}
extension ModelConfiguration.BlendScale: ExpressibleByArgument {}
extension ItemItemFit.Method: ExpressibleByArgument {}
extension VoteReduction: ExpressibleByArgument {}
extension ReadOptions.Encoding: ExpressibleByArgument {}
extension ReadOptions.MalformedRows: ExpressibleByArgument {}
extension UserSplit.HoldoutOrder: ExpressibleByArgument {}
