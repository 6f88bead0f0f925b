// RecApp
//
// Owns: The jobs behind each subcommand (train, recommend, evaluate, compare, generate, refresh,
//   worker, coordinator, query, cluster, bench, status, rollback, block), ClusterConfig,
//   LocalCluster, signal handling, the metrics endpoint.
// Imports: every library module above, Logging, Metrics, Prometheus, ServiceLifecycle, Hummingbird.
// Must not import: RecBench, ArgumentParser (flags are parsed by the executable).
//
// (.ci/check-modules.py checks these lists against every import in this module.)
