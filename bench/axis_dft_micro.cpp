// fno-microbench: one axis of the truncated transform, petsc-fno's DFT-as-gemm against
// FFTW's full 1D transform followed by a copy of the retained modes (float, one thread).
// This is the per-axis measurement behind the core's choice of matrix products.
// Output: one JSON object per benchmark (Google Benchmark runs, our line reporter).
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <complex>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/blas.hpp"
#include "fft/truncated_dft.hpp"

namespace {

using C = std::complex<float>;

// Time axis: [lines][n] real -> [lines][m] complex.
void BM_TimeAxisGemm(benchmark::State& st) {
  const long n = st.range(0), m = st.range(1), lines = st.range(2);
  fno::TruncatedRealDFT<float> dft(n, m);
  std::vector<float> x(lines * n, 0.25f);
  std::vector<C> X(lines * m);
  for (auto _ : st) {
    dft.forward(lines, x.data(), X.data());
    benchmark::DoNotOptimize(X.data());
  }
}

void BM_TimeAxisFftw(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0)), m = static_cast<int>(st.range(1));
  const int lines = static_cast<int>(st.range(2)), h = n / 2 + 1;
  std::vector<float> x(static_cast<std::size_t>(lines) * n, 0.25f);
  std::vector<C> full(static_cast<std::size_t>(lines) * h), X(static_cast<std::size_t>(lines) * m);
  fftwf_plan p = fftwf_plan_many_dft_r2c(1, &n, lines, x.data(), nullptr, 1, n,
                                         reinterpret_cast<fftwf_complex*>(full.data()), nullptr, 1, h, FFTW_MEASURE);
  for (auto _ : st) {
    fftwf_execute(p);
    for (int l = 0; l < lines; ++l) std::memcpy(&X[l * m], &full[l * h], sizeof(C) * m);
    benchmark::DoNotOptimize(X.data());
  }
  fftwf_destroy_plan(p);
}

// Space axis: [outer][n][inner] complex -> [outer][2m][inner].
void BM_SpaceAxisGemm(benchmark::State& st) {
  const long n = st.range(0), m = st.range(1), outer = st.range(2), inner = st.range(3);
  fno::TruncatedComplexDFT<float> dft(n, m);
  std::vector<C> x(outer * n * inner, C(0.5f, 0.25f)), X(outer * 2 * m * inner);
  for (auto _ : st) {
    dft.forward(outer, inner, x.data(), X.data());
    benchmark::DoNotOptimize(X.data());
  }
}

void BM_SpaceAxisFftw(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0)), m = static_cast<int>(st.range(1));
  const int outer = static_cast<int>(st.range(2)), inner = static_cast<int>(st.range(3));
  std::vector<C> x(static_cast<std::size_t>(outer) * n * inner, C(0.5f, 0.25f)), full(x.size());
  std::vector<C> X(static_cast<std::size_t>(outer) * 2 * m * inner);
  // One plan over the inner lines of a block (stride inner), executed per outer block.
  fftwf_plan p = fftwf_plan_many_dft(1, &n, inner, reinterpret_cast<fftwf_complex*>(x.data()), nullptr, inner, 1,
                                     reinterpret_cast<fftwf_complex*>(full.data()), nullptr, inner, 1, FFTW_FORWARD,
                                     FFTW_MEASURE);
  for (auto _ : st) {
    for (int o = 0; o < outer; ++o) {
      auto* in = reinterpret_cast<fftwf_complex*>(&x[static_cast<std::size_t>(o) * n * inner]);
      auto* out = reinterpret_cast<fftwf_complex*>(&full[static_cast<std::size_t>(o) * n * inner]);
      fftwf_execute_dft(p, in, out);
      C* dst = &X[static_cast<std::size_t>(o) * 2 * m * inner];
      const C* src = &full[static_cast<std::size_t>(o) * n * inner];
      std::memcpy(dst, src, sizeof(C) * m * inner);
      std::memcpy(dst + m * inner, src + (n - m) * inner, sizeof(C) * m * inner);
    }
    benchmark::DoNotOptimize(X.data());
  }
  fftwf_destroy_plan(p);
}

// Shapes of the FNO configurations: 64x64x52 and 128x128x64 with 20 channels.
BENCHMARK(BM_TimeAxisGemm)->Args({52, 8, 20 * 64 * 64})->Args({64, 8, 20 * 128 * 128})->Args({16, 6, 20 * 32 * 32 * 32})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimeAxisFftw)->Args({52, 8, 20 * 64 * 64})->Args({64, 8, 20 * 128 * 128})->Args({16, 6, 20 * 32 * 32 * 32})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpaceAxisGemm)->Args({64, 8, 20 * 64, 8})->Args({128, 12, 20 * 128, 8})->Args({64, 8, 20, 16 * 8})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpaceAxisFftw)->Args({64, 8, 20 * 64, 8})->Args({128, 12, 20 * 128, 8})->Args({64, 8, 20, 16 * 8})
    ->Unit(benchmark::kMillisecond);

// One JSON object per line: {"bench":"axis-dft","name":...,"ms":...,"iterations":...}.
class JsonLineReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      const double ms = r.GetAdjustedRealTime() * benchmark::GetTimeUnitMultiplier(benchmark::kMillisecond) /
                        benchmark::GetTimeUnitMultiplier(r.time_unit);
      std::printf("{\"bench\":\"axis-dft\",\"name\":\"%s\",\"ms\":%.4f,\"iterations\":%lld}\n",
                  r.benchmark_name().c_str(), ms, static_cast<long long>(r.iterations));
    }
    std::fflush(stdout);
  }
};

}  // namespace

int main(int argc, char** argv) {
  fno::blas::set_threads(1);
  benchmark::Initialize(&argc, argv);
  JsonLineReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
