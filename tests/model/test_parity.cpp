// PyTorch parity: the golden PyTorch FNOs imported into our model give the same output,
// input gradient and parameter gradients (against the float64 reference) on every process
// grid of the current rank count.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <memory>
#include <string>

#include "layers/fno_model.hpp"
#include "files/model_file.hpp"
#include "test_fields.hpp"
#include "torch_import.hpp"

namespace {

using fno::tools::ParityReport;

std::string golden(const char* name) { return std::string(FNO_TEST_DATA_DIR) + "/" + name; }

template <class T>
void check_file(const std::string& path, double tolerance) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const fno::FnoConfig config = fno::tools::read_torch_config(path);
  ASSERT_TRUE(fno::tools::has_torch_reference(path));
  for (const std::vector<int>& dims : fno::test::factorizations(size, config.space_dims)) {
    SCOPED_TRACE(::testing::Message() << path << " process grid " << ::testing::PrintToString(dims));
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
    fno::Fno<T> model(config, grid, 1, /*seed=*/99);
    fno::tools::load_torch_parameters(path, model);
    const ParityReport r = fno::tools::check_torch_parity(path, model);
    EXPECT_LE(r.output_rel, tolerance);
    EXPECT_LE(r.grad_input_rel, tolerance);
    EXPECT_EQ(r.params.size(), model.parameters().size() + (config.layers * ((1u << (config.ndim() - 1)) - 1)));
    for (const auto& p : r.params) EXPECT_LE(p.relative, tolerance) << p.name;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) std::printf("  %s %s: %s\n", ::testing::PrintToString(dims).c_str(), sizeof(T) == 4 ? "float" : "double",
                               fno::tools::to_json(r).c_str());
  }
}

TEST(TorchParity, Small2dPlusTimeFloat) { check_file<float>(golden("golden_small.h5"), 1e-4); }
TEST(TorchParity, Small3dPlusTimeFloat) { check_file<float>(golden("golden_small4d.h5"), 1e-4); }
// In double the only differences are rounding: a much tighter bound.
TEST(TorchParity, Small2dPlusTimeDouble) { check_file<double>(golden("golden_small.h5"), 1e-10); }
TEST(TorchParity, Small3dPlusTimeDouble) { check_file<double>(golden("golden_small4d.h5"), 1e-10); }

// fno-import's path: imported on one partition, written as our model file, read back on
// another partition of the same ranks: the model still matches PyTorch.
TEST(TorchParity, ImportedModelFileReadOnAnotherPartition) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string source = golden("golden_small.h5");
  const std::string target = std::string("model_parity_import_np") + std::to_string(size) + ".h5";
  const fno::FnoConfig config = fno::tools::read_torch_config(source);
  const auto grids = fno::test::factorizations(size, config.space_dims);
  {
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, grids.front());
    fno::Fno<float> imported(config, grid, 1);
    fno::tools::load_torch_parameters(source, imported);
    fno::write_model(target, MPI_COMM_WORLD, config, imported.parameters(), fno::Normalizers<float>{});
  }
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, grids.back());
  fno::Fno<float> model(config, grid, 1, /*seed=*/1);
  fno::read_model(target, MPI_COMM_WORLD, config, model.parameters());
  const ParityReport r = fno::tools::check_torch_parity(source, model);
  EXPECT_LE(r.output_rel, 1e-4);
  EXPECT_LE(r.grad_input_rel, 1e-4);
  EXPECT_LE(r.grad_params_rel_max, 1e-4) << r.worst_param;
  MPI_Barrier(MPI_COMM_WORLD);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) std::remove(target.c_str());
}

}  // namespace
