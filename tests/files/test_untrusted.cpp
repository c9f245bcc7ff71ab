// Untrusted files (issue 11), the core's side: the configuration checks (validate_config),
// the parameter shapes a configuration implies against the model's own list, overflow-checked
// sizes, the memory check before a model allocates, and the format every model file is
// written in (checksummed 1.10 superblock, fletcher32 on every parameter, compact links and
// attributes) with files of HDF5's oldest format refused the same way on every rank.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdlib.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "layers/fno_config.hpp"
#include "layers/fno_model.hpp"
#include "files/hdf5_handles.hpp"
#include "fft/layout.hpp"
#include "files/model_file.hpp"
#include "fft/process_grid.hpp"

namespace {

using fno::FnoConfig;
using fno::Index;

int rank_of() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int size_of() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

FnoConfig small_config() {
  FnoConfig c;
  c.space_dims = 2;
  c.grid = {10, 9, 8};
  c.modes = {3, 2, 3};
  c.width = 4;
  c.layers = 2;
  c.proj_width = 6;
  c.in_channels = 2;
  c.out_channels = 1;
  c.padding = 2;
  return c;
}

// The message of the fno::Error f throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const fno::Error& e) {
    return e.what();
  }
  return "";
}

void expect_invalid(const FnoConfig& c, const std::string& needle) {
  const std::string message = error_of([&] { fno::validate_config(c); });
  EXPECT_NE(message.find(needle), std::string::npos) << "expected '" << needle << "', got '" << message << "'";
}

TEST(ValidateConfig, AcceptsWhatTheModelBuilds) {
  EXPECT_NO_THROW(fno::validate_config(small_config()));
  FnoConfig c = small_config();
  c.space_dims = 3;
  c.grid = {6, 5, 4, 6};
  c.modes = {3, 2, 2, 4};  // 2m = extent on axis 0; time: (6 + 2) / 2 + 1 = 5 allowed
  EXPECT_NO_THROW(fno::validate_config(c));
}

TEST(ValidateConfig, NamesTheFieldOutOfRange) {
  FnoConfig c = small_config();
  c.space_dims = 4;
  expect_invalid(c, "space_dims = 4");
  c = small_config();
  c.grid = {10, 9};
  expect_invalid(c, "grid has 2 extents");
  c = small_config();
  c.grid = {10, 0, 8};
  expect_invalid(c, "extent 1 = 0");
  c = small_config();
  c.width = 0;
  expect_invalid(c, "width = 0");
  c = small_config();
  c.width = 495622319981;
  expect_invalid(c, "width = 495622319981; it must lie in 1..2147483647");
  c = small_config();
  c.layers = 70000;
  expect_invalid(c, "layers = 70000");
  c = small_config();
  c.proj_width = 2740155580416;
  expect_invalid(c, "proj_width = 2740155580416");
  c = small_config();
  c.padding = 13958554444083584;
  expect_invalid(c, "padding = 13958554444083584");
  c = small_config();
  c.padding = -1;
  expect_invalid(c, "padding = -1");
  c = small_config();
  c.in_channels = -3;
  expect_invalid(c, "in_channels = -3");
  c = small_config();
  c.modes = {6, 2, 3};
  expect_invalid(c, "space axis 0 keeps 6");
  c = small_config();
  c.modes = {3, 2, 7};  // padded time 10 allows 6
  expect_invalid(c, "the time axis keeps 7 modes but its padded extent 10");
}

TEST(ValidateConfig, ProductsThatWouldOverflowAreRefused) {
  FnoConfig c = small_config();
  c.width = 704643080;  // in range alone; its spectral weights are not
  expect_invalid(c, "would hold more than");
  c = small_config();
  c.padding = 0;
  c.grid = {2147483647, 2147483647, 2147483647};
  expect_invalid(c, "points");
  c = small_config();
  c.grid = {1 << 20, 1 << 20, 1 << 12};
  c.width = 1 << 20;
  expect_invalid(c, "elements per sample");
  EXPECT_THROW(fno::validated_config(small_config(), 0), fno::Error);
  EXPECT_THROW(fno::validated_config(small_config(), std::numeric_limits<Index>::max() / 4), fno::Error);
}

TEST(ValidateConfig, CheckedArithmetic) {
  EXPECT_EQ(fno::checked_mul(3, 4, "x"), 12);
  EXPECT_EQ(fno::checked_add(3, 4, "x"), 7);
  EXPECT_THROW(fno::checked_mul(Index{1} << 40, Index{1} << 40, "x"), fno::Error);
  EXPECT_THROW(fno::checked_add(std::numeric_limits<Index>::max(), 1, "x"), fno::Error);
  EXPECT_THROW(fno::checked_mul(-1, 4, "x"), fno::Error);
  // A Layout whose block count would overflow Index is refused.
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_SELF, std::vector<int>{1});
  const std::string message =
      error_of([&] { fno::Layout::block(grid, {Index{1} << 30, Index{1} << 30}, Index{1} << 10); });
  EXPECT_NE(message.find("overflows a 64-bit size"), std::string::npos) << message;
}

// The shapes the readers demand are exactly the model's own parameter list.
TEST(ParameterShapes, EqualTheModelsParameters) {
  std::vector<FnoConfig> configs{small_config()};
  FnoConfig c3 = small_config();
  c3.space_dims = 3;
  c3.grid = {6, 5, 4, 6};
  c3.modes = {2, 2, 1, 2};
  c3.layers = 3;
  c3.padding = 0;
  configs.push_back(c3);
  for (const FnoConfig& c : configs) {
    auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{size_of()});
    fno::Fno<float> model(c, grid, 1);
    const auto shapes = fno::parameter_shapes(c);
    ASSERT_EQ(shapes.size(), model.parameters().size());
    Index total = 0;
    for (std::size_t k = 0; k < shapes.size(); ++k) {
      EXPECT_EQ(shapes[k].name, model.parameters()[k].name);
      EXPECT_EQ(shapes[k].global_shape, model.parameters()[k].global_shape) << shapes[k].name;
      EXPECT_EQ(shapes[k].replicated, model.parameters()[k].replicated) << shapes[k].name;
      Index n = 1;
      for (Index e : shapes[k].global_shape) n *= e;
      total += n;
    }
    EXPECT_EQ(fno::parameter_elements(c), total);
  }
}

// The model checks its memory need against the limit before it allocates.
TEST(ModelMemory, ARankLimitRefusesAModelThatCannotFit) {
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{size_of()});
  FnoConfig c = small_config();
  fno::set_rank_memory_limit(1 << 20);
  c.grid = {4096, 9, 8};  // hidden tensors alone: 2 x 4 x 4096·9·10 floats ≈ 11 MiB
  const std::string message = error_of([&] { fno::Fno<float> model(c, grid, 1); });
  fno::set_rank_memory_limit(0);
  EXPECT_NE(message.find("MiB on this rank"), std::string::npos) << message;
  EXPECT_NE(message.find("more than the 1 MiB"), std::string::npos) << message;
  EXPECT_GT(fno::rank_memory_limit(), std::uint64_t{1} << 20);
  EXPECT_NO_THROW(fno::Fno<float>(c, grid, 1));  // fits the default limit
}

// ---- the format of written files -----------------------------------------------------------

class WrittenFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir;
    if (rank_of() == 0) {
      std::string pattern = (std::filesystem::temp_directory_path() / "petscfno-untrusted-XXXXXX").string();
      if (mkdtemp(pattern.data())) dir = pattern;
    }
    std::uint64_t n = dir.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    dir.resize(n);
    MPI_Bcast(dir.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
    ASSERT_FALSE(dir.empty());
    directory_ = dir;
  }
  void TearDown() override {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank_of() == 0) std::filesystem::remove_all(directory_);
  }
  std::filesystem::path directory_;
};

TEST_F(WrittenFiles, ModelFilesAreChecksummedEverywhere) {
  const std::string file = (directory_ / "model.h5").string();
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{size_of()});
  fno::Fno<double> model(small_config(), grid, 1, 5);
  fno::write_model(file, MPI_COMM_WORLD, small_config(), model.parameters(), fno::Normalizers<double>{},
                   {fno::StoredPrecision::float32});
  if (rank_of() == 0) {
    const auto format = fno::h5::probe_format(file, std::filesystem::file_size(file));
    EXPECT_TRUE(format.hdf5);
    EXPECT_EQ(format.superblock_version, 3);
    fno::h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
    for (const char* group_name : {"/", "/params"}) {
      fno::h5::Group group(H5Gopen2(f.get(), group_name, H5P_DEFAULT));
      H5G_info_t info{};
      ASSERT_GE(H5Gget_info(group.get(), &info), 0);
      EXPECT_EQ(info.storage_type, H5G_STORAGE_TYPE_COMPACT) << group_name << ": links outside the object header";
      H5O_info_t object{};
      ASSERT_GE(H5Oget_info2(group.get(), &object, H5O_INFO_META_SIZE), 0);
      EXPECT_EQ(object.meta_size.attr.heap_size, 0u) << group_name << ": attributes in dense storage";
    }
    for (const auto& shape : fno::parameter_shapes(small_config())) {
      fno::h5::Dataset d(H5Dopen2(f.get(), ("/params/" + shape.name).c_str(), H5P_DEFAULT));
      ASSERT_TRUE(d.valid()) << shape.name;
      fno::h5::PropertyList create(H5Dget_create_plist(d.get()));
      EXPECT_EQ(H5Pget_layout(create.get()), H5D_CHUNKED) << shape.name;
      ASSERT_EQ(H5Pget_nfilters(create.get()), 1) << shape.name;
      unsigned flags = 0, config = 0;
      std::size_t n = 0;
      EXPECT_EQ(H5Pget_filter2(create.get(), 0, &flags, &n, nullptr, 0, nullptr, &config), H5Z_FILTER_FLETCHER32);
    }
  }
  // And it reads back on every rank.
  fno::Fno<float> reader(small_config(), grid, 1, 9);
  fno::read_model(file, MPI_COMM_WORLD, small_config(), reader.parameters());
  for (std::size_t k = 0; k < reader.parameters().size(); ++k)
    for (std::size_t i = 0; i < reader.parameters()[k].value.size(); ++i)
      ASSERT_EQ(reader.parameters()[k].value[i], static_cast<float>(model.parameters()[k].value[i]));
}

TEST_F(WrittenFiles, OldestFormatIsRefusedOnEveryRank) {
  const std::string file = (directory_ / "legacy.h5").string();
  if (rank_of() == 0) {  // what h5py and HDF5 write by default: superblock version 0
    fno::h5::File f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(f.valid());
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const std::string message = error_of([&] { fno::read_model_info(file, MPI_COMM_WORLD); });
  EXPECT_NE(message.find("written in HDF5's oldest file format (superblock version 0)"), std::string::npos)
      << message;
  std::string rank0 = message;
  std::uint64_t n = rank0.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  rank0.resize(n);
  MPI_Bcast(rank0.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
  EXPECT_EQ(message, rank0);
}

TEST_F(WrittenFiles, ParametersTheConfigurationImpliesMustAllBeWritten) {
  const std::string file = (directory_ / "partial.h5").string();
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, std::vector<int>{size_of()});
  fno::Fno<double> model(small_config(), grid, 1);
  std::vector<fno::Parameter<double>> params = model.parameters();
  params.pop_back();  // proj.fc2.bias
  const std::string message = error_of(
      [&] { fno::write_model(file, MPI_COMM_WORLD, small_config(), params, fno::Normalizers<double>{}); });
  EXPECT_NE(message.find("implies parameter 'proj.fc2.bias', which the list lacks"), std::string::npos) << message;
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_FALSE(std::filesystem::exists(file));
  params = model.parameters();
  params[0].value[0] = std::numeric_limits<double>::quiet_NaN();
  const std::string nan = error_of(
      [&] { fno::write_model(file, MPI_COMM_WORLD, small_config(), params, fno::Normalizers<double>{}); });
  EXPECT_NE(nan.find("parameter 'lift.weight' holds non-finite values"), std::string::npos) << nan;
}

}  // namespace
