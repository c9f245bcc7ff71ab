// The model file: one HDF5 file holding an FNO's configuration, parameters, normalizer
// statistics and, for checkpoints, the optimizer state, epoch and RNG state. The schema
// is documented in README.md, "The model file" (format "petsc-fno-model", version 1).
//
// Written with parallel HDF5 from any number of ranks: replicated parameters by rank 0,
// distributed ones each rank its hyperslab (Parameter::local_start/local_shape), all
// collective. Read on any number of ranks and any partition: the caller passes the
// Parameter list of its own partition and each rank reads only its slice. Writes go to a
// temporary file renamed over the target once complete, so a crash never leaves a
// half-written model. Every function is collective over `comm`; errors (missing or
// corrupt file, wrong format or version, configuration or shape mismatch, missing
// dataset) are detected identically on every rank and thrown as fno::Error naming the
// file and what is wrong.
//
// Files are written in HDF5's checksummed 1.10 format (compact metadata, fletcher32 on every
// dataset) and read as untrusted (README, "Files users hand us"): rank 0 refuses files of
// HDF5's oldest format, checks the configuration (validate_config) and every parameter it
// implies (present, of its shape, every byte stored in the file, every value finite) before
// anything is allocated from the file, and only then do the ranks read collectively.
//
// Every rank must pass the same config, the same parameter names, global shapes and
// replicated flags in the same order, and the same optimizer settings; the writer checks
// this. Only the hyperslabs (and the local data) differ between ranks.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "layers/fno_config.hpp"
#include "training/normalizer.hpp"
#include "training/optimizer.hpp"
#include "layers/parameter.hpp"
#include "files/problem.hpp"

namespace fno {

inline constexpr const char* model_file_format = "petsc-fno-model";
inline constexpr std::int64_t model_file_version = 1;

// Floating-point type of the stored parameters (and optimizer moments). Reading converts
// to the caller's type, whatever was stored.
enum class StoredPrecision {
  native,   // the writer's T
  float32,
  float64,
};

struct ModelWriteOptions {
  StoredPrecision precision = StoredPrecision::native;
  // Written as the optional /problem group (validated against the config first).
  std::optional<ProblemDescription> problem = std::nullopt;
};

// Normalizer statistics stored with the model; either may be absent.
template <class T>
struct Normalizers {
  std::optional<UnitGaussianNormalizer<T>> input;
  std::optional<UnitGaussianNormalizer<T>> output;
};

// What a checkpoint stores besides the model and the optimizer.
struct TrainingProgress {
  std::int64_t epoch = 0;  // epochs completed
  LrSchedule schedule;     // the learning-rate schedule in use
  std::mt19937_64 rng;     // the training program's random engine (rank 0's is stored)
};

// What a model file holds, without reading any parameter.
struct ModelFileInfo {
  FnoConfig config;
  std::int64_t version = 0;
  std::string precision;                     // "float32" or "float64"
  std::vector<std::string> parameter_names;  // datasets under /params, sorted by name
  bool has_input_normalizer = false;
  bool has_output_normalizer = false;
  bool has_checkpoint = false;               // optimizer state, epoch and RNG state
  std::optional<ProblemDescription> problem;  // the optional /problem group
};

// ---- writing -------------------------------------------------------------------------

// Writes config, parameters and normalizers (a model for inference).
template <class T>
void write_model(const std::string& path, MPI_Comm comm, const FnoConfig& config,
                 const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                 const ModelWriteOptions& options = {});

// Writes a checkpoint: everything write_model() writes plus the optimizer state (settings,
// current learning rate, step count, moments laid out like the parameters), the
// schedule, the epoch and the RNG state. A checkpoint is also a valid model file.
template <class T>
void write_checkpoint(const std::string& path, MPI_Comm comm, const FnoConfig& config,
                      const std::vector<Parameter<T>>& params, const Normalizers<T>& normalizers,
                      const AdamOptimizer<T>& optimizer, const TrainingProgress& progress,
                      const ModelWriteOptions& options = {});

// ---- reading -------------------------------------------------------------------------

// The file's configuration alone, to build the model before reading its parameters.
FnoConfig read_model_config(const std::string& path, MPI_Comm comm);
// Configuration, precision, parameter names and which optional parts are present.
ModelFileInfo read_model_info(const std::string& path, MPI_Comm comm);

// Reads the parameters into `params` (value resized to each local shape; grad untouched).
// The file's config must equal `expected_config` and every parameter must be present with
// its global shape. If `normalizers` is given, it receives the stored statistics (absent
// ones as std::nullopt).
template <class T>
void read_model(const std::string& path, MPI_Comm comm, const FnoConfig& expected_config,
                std::vector<Parameter<T>>& params, std::type_identity_t<Normalizers<T>>* normalizers = nullptr);

// As read_model(), plus the optimizer state restored into `optimizer` (built for the same
// parameter list) and the training progress returned. Throws if the file is not a checkpoint.
template <class T>
TrainingProgress read_checkpoint(const std::string& path, MPI_Comm comm, const FnoConfig& expected_config,
                                 std::vector<Parameter<T>>& params, std::type_identity_t<Normalizers<T>>* normalizers,
                                 AdamOptimizer<T>& optimizer);

}  // namespace fno
