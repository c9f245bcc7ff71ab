// Typed wrappers of the BLAS gemm (row-major) for float, double and their complex forms.
#pragma once
#include <cblas.h>

#include <complex>
#include <cstdint>

namespace fno::blas {

enum class Op { N, T, C };  // none, transpose, conjugate transpose

inline CBLAS_TRANSPOSE cb(Op o) { return o == Op::N ? CblasNoTrans : (o == Op::T ? CblasTrans : CblasConjTrans); }

// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major with leading dims.
inline void gemm(Op ta, Op tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
                 std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, cb(ta), cb(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm(Op ta, Op tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
                 std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  cblas_dgemm(CblasRowMajor, cb(ta), cb(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm(Op ta, Op tb, std::int64_t m, std::int64_t n, std::int64_t k, std::complex<float> alpha,
                 const std::complex<float>* a, std::int64_t lda, const std::complex<float>* b, std::int64_t ldb,
                 std::complex<float> beta, std::complex<float>* c, std::int64_t ldc) {
  cblas_cgemm(CblasRowMajor, cb(ta), cb(tb), m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}
inline void gemm(Op ta, Op tb, std::int64_t m, std::int64_t n, std::int64_t k, std::complex<double> alpha,
                 const std::complex<double>* a, std::int64_t lda, const std::complex<double>* b, std::int64_t ldb,
                 std::complex<double> beta, std::complex<double>* c, std::int64_t ldc) {
  cblas_zgemm(CblasRowMajor, cb(ta), cb(tb), m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
}

// Number of threads BLAS may use (petsc-fno runs one thread per MPI rank by default).
void set_threads(int n);

}  // namespace fno::blas
