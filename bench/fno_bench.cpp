// fno-bench: petsc-fno's benchmarks. One JSON object per result line on stdout.
//   fno-bench fft   -grid 128,128,64 -modes 12,12,8 -channels 20 -reps 5 [-precision float|double|both]
//                   [-pgrid 2,1,1] [-peers no]
//   fno-bench model -config 2dt-64 | -grid 64,64,52 -modes 8,8,8 -width 20 -batch 1 [-mode fwd|train|both]
//                   [-model M.h5] [-reps 5] [-profile] [-find-max-grid -budget-mb 8192]
//   fno-bench sim [fno-sim options]         (runs fno-sim -bench)
//   fno-bench repartition -grid 128,24,8 -channels 20 -reps 10
#include <mpi.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_options.hpp"
#include "common/blas.hpp"
#include "common/error.hpp"

namespace fno::bench {
int run_fft_bench(Options& opt, MPI_Comm comm);
int run_repartition_bench(Options& opt, MPI_Comm comm);
int run_model_bench(Options& opt, MPI_Comm comm);
void fftw_mpi_init_all();
}  // namespace fno::bench

namespace {
const char* kHelp =
    "fno-bench: benchmarks of petsc-fno, one JSON object per result line.\n"
    "usage: fno-bench <kind> [options]\n"
    "  fft    distributed truncated FFT forward+inverse vs FFTW(-MPI) full r2c/c2r\n"
    "         -grid n0,n1,...,nt (128,128,64)  -modes m0,m1,...,mt (12,12,8)  -channels C (20)\n"
    "         -reps R (5)  -precision float|double|both (float)  -pgrid p0,p1,... (slab: np,1,..)\n"
    "         -peers yes|no (yes)\n"
    "  model  FNO forward and forward+backward (float32), peak RSS summed over ranks\n"
    "         -config 2dt-64|2dt-128|3dt-32|3dt-64 (2dt-64), or any -grid n0,n1[,n2],nt  -modes m0,..,mt\n"
    "         -width W (20)  -layers L (4)  -proj P (128)  -in C (1)  -out C (1)  -padding N (0)\n"
    "         -batch B (1; times are also reported per sample)  -mode fwd|train|both (both)  -reps R (5)\n"
    "         -model FILE (weights, e.g. from fno-import; default: seeded init)  -pgrid p0,p1[,p2]\n"
    "         -kernels yes|no (yes): the vectorised kernels (DFT, pointwise), or BLAS products only\n"
    "         -fused yes|no (yes): fused forward and backward, or the plain form (one pass per operation)\n"
    "         -profile: per-stage time (exclusive of nested stages), bytes, flops and fraction of\n"
    "           the measured memcpy bandwidth, forward and backward (JSON lines, bench model_profile)\n"
    "         -find-max-grid -budget-mb MB (8192): the largest n^3 x nt grid (nt, modes from -grid/-config,\n"
    "           e.g. -config 3dt-32) whose forward+backward peak RSS, summed over ranks, fits the budget\n"
    "  repartition  one pencil transpose and back: packed buffers vs subarray datatypes\n"
    "         -grid n0,..,nk (128,24,8)  -channels C (20)  -reps R (10)\n"
    "  sim    the reference simulator's benchmark: runs fno-sim -bench [fno-sim options]\n"
    "         (default: the 64x64 slice, 51 reports over 10 years; scripts/sim_bench.sh runs all cases)\n"
    "Every rank runs one BLAS thread.\n";

// fno-bench sim [options]: the reference simulator's benchmark lives in the PETSc program
// fno-sim (-bench prints its JSON line); run it in place of this process, before MPI starts.
[[noreturn]] void exec_simulator_bench(int argc, char** argv) {
  std::vector<char> self(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", self.data(), self.size() - 1);
  std::string dir = n > 0 ? std::string(self.data(), static_cast<std::size_t>(n)) : std::string(argv[0]);
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  std::string sim = dir + "fno-sim", flag = "-bench";
  std::vector<char*> args{sim.data(), flag.data()};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(sim.c_str(), args.data());
  std::fprintf(stderr, "fno-bench error: cannot run %s (%s); fno-sim is built with PETSc (PETSCFNO_WITH_PETSC=ON)\n",
               sim.c_str(), std::strerror(errno));
  std::exit(1);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "sim")) exec_simulator_bench(argc, argv);
  // A rank waiting in MPI yields its core instead of spinning (unless the caller chose
  // otherwise): on this shared 2-core machine a spinning rank kept its partner, descheduled by
  // other processes, from running; 2dt-64 on 2 ranks at load 4-6 measured forward 243-551 ->
  // 150-177 ms and forward+backward 676-848 -> 400-437 ms with it.
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", /*overwrite=*/0);
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  fno::blas::set_threads(1);
  fno::bench::fftw_mpi_init_all();
  int rc = 0;
  try {
    if (argc < 2 || !std::strcmp(argv[1], "-help") || !std::strcmp(argv[1], "--help")) {
      if (!rank) std::fputs(kHelp, stdout);
      MPI_Finalize();
      return argc < 2 ? 1 : 0;
    }
    const std::string kind = argv[1];
    fno::bench::Options opt(argc, argv, 2);
    if (opt.has("help")) {
      if (!rank) std::fputs(kHelp, stdout);
    } else if (kind == "fft") {
      rc = fno::bench::run_fft_bench(opt, MPI_COMM_WORLD);
    } else if (kind == "model") {
      rc = fno::bench::run_model_bench(opt, MPI_COMM_WORLD);
    } else if (kind == "repartition") {
      rc = fno::bench::run_repartition_bench(opt, MPI_COMM_WORLD);
    } else {
      throw fno::Error("unknown benchmark '" + kind + "' (see fno-bench -help)");
    }
    for (const auto& k : opt.unused())
      if (!rank) std::fprintf(stderr, "WARNING! There are unused option(s) set! -%s\n", k.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%d] fno-bench error: %s\n", rank, e.what());
    rc = 1;
  }
  MPI_Finalize();
  return rc;
}
