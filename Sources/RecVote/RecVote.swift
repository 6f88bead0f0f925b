// RecVote
//
// Owns: The maths of a sharded vote: VoteAccumulator (fixed-point sums and the two-stage ranking),
//   ShardMap (the shard count), ItemPartition (items to shards), ShardMerge and TopKMerge (exact
//   merge of shard replies). Pure values, no I/O, no serving policy.
// Imports: RecMath.
// Must not import: RecData, the model modules, RecWire, RecTransport, RecServing, RecServer.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
