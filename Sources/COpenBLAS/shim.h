#ifndef EFFICIENTREC_COPENBLAS_SHIM_H
#define EFFICIENTREC_COPENBLAS_SHIM_H
// Debian's libopenblas-dev: CBLAS plus the LAPACK routines built into libopenblas.
#include <cblas.h>

// LAPACK (Fortran calling convention) as exported by libopenblas; declared here so
// that liblapacke-dev is not needed.
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda, float *b,
             const int *ldb, int *info);

#endif
