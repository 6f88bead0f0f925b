// RecMath
//
// Owns: Dense and sparse numerics: Matrix, BLAS (the only Swift caller of COpenBLAS besides
//   Cholesky), Cholesky, reference kernels beside the fast ones, TopK, SeededRandom.
// Imports: COpenBLAS.
// Must not import: any other Rec module; Foundation networking; no sockets, files or clocks.
//
// (.ci/check-modules.py checks these lists against every import in this module.)
