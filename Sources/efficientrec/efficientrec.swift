// efficientrec
//
// Owns: The command line: subcommands and flags (swift-argument-parser, typed options), each
//   calling one RecApp or RecBench function that the tests also call.
// Imports: RecApp, RecBench, RecVote, ArgumentParser.
// Must not import: the C modules (CZeroMQ, CProtobufC, CRecProtocol, COpenBLAS).
//
// (.ci/check-modules.py checks these lists against every import in this module.)
