// A Swift program outside the EfficientRec package that asks a cluster for recommendations through
// the `EfficientRecClient` library product; it prints the TSV of `efficientrec query --history`.
//
//     recommend-example tcp://127.0.0.1:5600 "50:5,172:5,181:4" 10
//
// deploy/test-swift-client.sh builds it in a temporary package with a path dependency on this
// repository and checks its answers against `efficientrec query`.
import EfficientRecClient
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 4, let k = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: recommend-example ENDPOINT ITEM:RATING,... K\n".utf8))
    exit(2)
}
let history = arguments[2].split(separator: ",").map { part -> RecommendationClient.Interaction in
    let pieces = part.split(separator: ":")
    return (String(pieces[0]), pieces.count > 1 ? Float(pieces[1]) ?? 5 : 5)
}
/// Asks the cluster and prints the answer as `efficientrec query` does.
func recommend(endpoint: String, history: [RecommendationClient.Interaction], k: Int) async throws(ClientError) {
    let client = try RecommendationClient(endpoint: endpoint, timeout: .seconds(10))
    let answer = try await client.recommend(history: history, k: k)
    print("user\titem\trank\tscore")
    for (rank, (item, score)) in zip(answer.itemIDs, answer.scores).enumerated() {
        print("query\t\(item)\t\(rank + 1)\t\(score)")
    }
}

do {
    try await recommend(endpoint: arguments[1], history: history, k: k)
} catch {
    FileHandle.standardError.write(Data("recommend-example: \(error) (request \(error.requestID))\n".utf8))
    exit(1)
}
