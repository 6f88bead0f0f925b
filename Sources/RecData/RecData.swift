// RecData
//
// Owns: Interaction logs and the files they come from: DelimitedTable (CSV, TSV, `;`, RecBole), ID
//   tables, InteractionLog, item and user tables, Dataset, RatingScale, UserSplit,
//   SyntheticGenerator.
// Imports: RecMath.
// Must not import: the model modules (RecInference, RecModelFile, RecTraining), RecEval, the wire,
//   transport and serving modules.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
