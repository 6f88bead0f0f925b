// swift-tools-version:6.1
import PackageDescription

// The numeric modules are compiled with optimisation even in debug builds:
// training and gradient checks would otherwise crawl in `swift test`.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "EfficientRec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "efficientrec", targets: ["efficientrec"]),
        .executable(name: "efficientrec-floor", targets: ["efficientrec-floor"]),
        // For Swift services that query a cluster: the wire protocol and ZeroMQ, no model.
        .library(name: "EfficientRecClient", targets: ["EfficientRecClient"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")
    ],
    targets: [
        // C fenced in: one system-library target, imported only by RecMath.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(name: "RecMath", dependencies: ["COpenBLAS"], swiftSettings: optimised),
        .target(name: "RecData", dependencies: ["RecMath"], swiftSettings: optimised),
        // The pure maths of a sharded vote: the fixed-point vote accumulator and two-stage ranking that
        // offline `recommend` and the shards share, the shard count, the item partition and the
        // exact merge of top-k lists. No serving policy (that is RecServing's), no I/O.
        .target(name: "RecVote", dependencies: ["RecMath"], swiftSettings: optimised),
        // The model as serving uses it: configuration, encoder forward pass, shortlists, the vote and
        // two-stage ranking, filters, explanations, a shard's part. No training, no file format.
        .target(name: "RecInference", dependencies: ["RecMath", "RecData", "RecVote"], swiftSettings: optimised),
        // The model file: sections, checksums, versions; whole loads and a shard's streamed part.
        .target(name: "RecModelFile", dependencies: ["RecMath", "RecData", "RecVote", "RecInference"], swiftSettings: optimised),
        // Training: backward passes, losses, Adam, the trainer, the EASE teacher, the item–item fits,
        // shortlist refresh. Serving modules never import it.
        .target(name: "RecTraining", dependencies: ["RecMath", "RecData", "RecVote", "RecInference"], swiftSettings: optimised),
        .target(name: "RecEval", dependencies: ["RecMath", "RecData", "RecInference", "RecTraining"], swiftSettings: optimised),
        // The wire protocol: protobuf-c runtime, the generated code (protocols/generate.sh), and the
        // one Swift module that touches the generated structs.
        .systemLibrary(name: "CProtobufC", path: "Sources/CProtobufC"),
        .target(name: "CRecProtocol", dependencies: ["CProtobufC"], path: "Sources/CRecProtocol"),
        .target(name: "RecWire", dependencies: ["CRecProtocol", "CProtobufC"]),
        // ZeroMQ, fenced in: only RecTransport imports CZeroMQ.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        .target(name: "RecTransport", dependencies: ["CZeroMQ"]),
        // The client side: async RecommendationClient, the bulk QueryClient and its RequestPacer.
        .target(name: "EfficientRecClient", dependencies: ["RecWire", "RecTransport"]),
        // The request state machines of coordinator and shard worker: events and the time in,
        // frames out. No sockets, no clocks (the time is passed in), no threads.
        .target(
            name: "RecServing",
            dependencies: [
                "RecMath", "RecData", "RecInference", "RecModelFile", "RecWire", "RecVote",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "HeapModule", package: "swift-collections")
            ]),
        // The shells: worker, coordinator, client, local cluster.
        .target(
            name: "RecServer",
            dependencies: [
                "RecMath", "RecData", "RecInference", "RecModelFile", "RecWire", "RecTransport", "RecVote", "RecServing",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics")
            ]),
        .target(
            name: "RecApp",
            dependencies: [
                "EfficientRecClient", "RecMath", "RecData", "RecInference", "RecModelFile", "RecTraining", "RecEval", "RecServer", "RecServing",
                "RecWire", "RecTransport", "RecVote",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird")
            ]),
        // The benchmarks behind bench-core, bench-floor and bench-train: they measure the library
        // (state machines in one process, the cluster against a plain libzmq floor, training and
        // recommendation CPU); nothing in the serving or training path imports them.
        .target(
            name: "RecBench",
            dependencies: [
                "RecApp", "RecMath", "RecData", "RecInference", "RecModelFile", "RecTraining", "RecEval", "RecServer", "RecServing", "RecWire",
                "RecVote"
            ]),
        .executableTarget(
            name: "efficientrec",
            dependencies: [
                "RecApp", "RecBench", "RecData", "RecInference", "RecTraining", "RecVote",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        // The transport floor `bench-floor` compares the cluster with: plain C over libzmq, no
        // protobuf (it needs nothing of ours, so it links libzmq itself).
        .executableTarget(name: "efficientrec-floor", path: "Sources/efficientrec-floor", linkerSettings: [.linkedLibrary("zmq")]),
        // libFuzzer targets, one per decoder of network input: build with
        // `swift build --product FuzzClientMessage --sanitize=fuzzer` (deploy/fuzz.sh runs them all).
        .executableTarget(name: "FuzzClientMessage", dependencies: ["RecWire"]),
        .executableTarget(name: "FuzzServerMessage", dependencies: ["RecWire"]),
        .executableTarget(name: "FuzzCoordinatorMessage", dependencies: ["RecWire"]),
        .executableTarget(name: "FuzzWorkerMessage", dependencies: ["RecWire"]),
        .target(
            name: "RecTestSupport", dependencies: ["RecData", "RecInference", "RecModelFile", "RecTraining", "RecMath", "RecVote"],
            path: "Tests/RecTestSupport"),
        .testTarget(name: "RecMathTests", dependencies: ["RecMath"]),
        .testTarget(name: "RecDataTests", dependencies: ["RecData", "RecMath", "RecTestSupport"]),
        .testTarget(
            name: "RecModelTests", dependencies: ["RecInference", "RecModelFile", "RecTraining", "RecData", "RecMath", "RecVote", "RecTestSupport"],
            swiftSettings: optimised),
        .testTarget(
            name: "RecEvalTests", dependencies: ["RecEval", "RecInference", "RecModelFile", "RecTraining", "RecData", "RecMath", "RecTestSupport"]),
        .testTarget(name: "RecWireTests", dependencies: ["RecWire"]),
        .testTarget(name: "EfficientRecClientTests", dependencies: ["EfficientRecClient", "RecWire", "RecTransport", "RecMath"]),
        .testTarget(name: "RecTransportTests", dependencies: ["RecTransport"]),
        .testTarget(name: "RecVoteTests", dependencies: ["RecVote", "RecMath"], swiftSettings: optimised),
        .testTarget(
            name: "RecServingTests",
            dependencies: ["RecServing", "RecData", "RecMath", "RecInference", "RecModelFile", "RecWire", "RecVote", "RecTestSupport"]),
        .testTarget(
            name: "RecServerTests",
            dependencies: [
                "RecServer", .product(name: "Logging", package: "swift-log"), "RecServing", "RecInference", "RecModelFile", "RecTraining", "RecWire",
                "RecVote", "RecTransport", "RecTestSupport"
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "EfficientRecClient", "RecApp", "RecWire", "RecServer", "RecServing", "RecVote", "RecInference", "RecModelFile", "RecTraining",
                "RecData", "RecEval", "RecTransport", "RecTestSupport",
                .product(name: "Yams", package: "Yams")
            ])
    ]
)
