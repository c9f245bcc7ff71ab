#include "training_record.hpp"

#include <filesystem>
#include <sstream>

#include "collective.hpp"
#include "hdf5_io.hpp"
#include "pack.hpp"

namespace fno::training {

namespace {

using fno::sim::H5Id;

void WriteInts(hid_t parent, const char* name, const std::vector<std::int64_t>& values) {
  const hsize_t n = values.size();
  H5Id space = fno::sim::H5Space(H5Screate_simple(1, &n, nullptr));
  space.Check(std::string("create the dataspace of ") + name);
  H5Id dataset = fno::sim::H5Dataset(
      H5Dcreate2(parent, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  dataset.Check(std::string("create dataset ") + name);
  if (n > 0)
    fno::sim::H5Require(H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                        std::string("write ") + name);
}

void WriteDoubles(hid_t parent, const char* name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  H5Id space = fno::sim::H5Space(H5Screate_simple(1, &n, nullptr));
  space.Check(std::string("create the dataspace of ") + name);
  H5Id dataset = fno::sim::H5Dataset(
      H5Dcreate2(parent, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  dataset.Check(std::string("create dataset ") + name);
  if (n > 0)
    fno::sim::H5Require(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                        std::string("write ") + name);
}

template <class V>
std::vector<V> ReadVector(hid_t parent, const char* name, hid_t memory_type) {
  H5Id dataset = fno::sim::H5Dataset(H5Dopen2(parent, name, H5P_DEFAULT));
  dataset.Check(std::string("open ") + name);
  const auto dims = fno::sim::DatasetDims(dataset.get());
  if (dims.size() != 1) throw std::runtime_error(std::string(name) + " is not one-dimensional");
  // An untrusted file: bound what it makes us allocate (splits and histories are far smaller).
  if (dims[0] > (hsize_t{1} << 26)) throw std::runtime_error(std::string(name) + " is implausibly long");
  std::vector<V> values(dims[0]);
  if (!values.empty())
    fno::sim::H5Require(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                        std::string("read ") + name);
  return values;
}

H5Id CreateGroup(hid_t parent, const char* name) {
  H5Id group = fno::sim::H5Group(H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  group.Check(std::string("create group ") + name);
  return group;
}

H5Id OpenGroup(hid_t parent, const char* name) {
  H5Id group = fno::sim::H5Group(H5Gopen2(parent, name, H5P_DEFAULT));
  group.Check(std::string("open group ") + name);
  return group;
}

void WriteRecord(hid_t file, const TrainingRecord& r) {
  H5Id group = CreateGroup(file, "training");
  fno::sim::WriteStringAttribute(group.get(), "program", "fno-train");
  fno::sim::WriteStringAttribute(group.get(), "dataset", r.dataset_path);
  fno::sim::WriteStringAttribute(group.get(), "dataset_fingerprint", r.dataset_fingerprint);
  {
    H5Id space = fno::sim::H5Space(H5Screate(H5S_SCALAR));
    H5Id attribute = fno::sim::H5Attribute(
        H5Acreate2(group.get(), "dataset_cases", H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    attribute.Check("create attribute dataset_cases");
    const std::int64_t cases = r.dataset_cases;
    fno::sim::H5Require(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &cases), "write attribute dataset_cases");
    const hsize_t n = r.sampling.size();
    H5Id vector_space = fno::sim::H5Space(H5Screate_simple(1, &n, nullptr));
    H5Id sampling = fno::sim::H5Attribute(
        H5Acreate2(group.get(), "sampling", H5T_STD_I64LE, vector_space.get(), H5P_DEFAULT, H5P_DEFAULT));
    sampling.Check("create attribute sampling");
    fno::sim::H5Require(H5Awrite(sampling.get(), H5T_NATIVE_INT64, r.sampling.data()), "write attribute sampling");
  }
  {
    H5Id options = CreateGroup(group.get(), "options");
    for (const auto& [name, value] : r.options) fno::sim::WriteStringAttribute(options.get(), name, value);
  }
  {
    H5Id split = CreateGroup(group.get(), "split");
    WriteInts(split.get(), "train", r.train);
    WriteInts(split.get(), "val", r.val);
    WriteInts(split.get(), "test", r.test);
  }
  H5Id history = CreateGroup(group.get(), "history");
  std::vector<std::int64_t> epoch;
  std::vector<double> columns[6];
  for (const HistoryRow& row : r.history) {
    epoch.push_back(row.epoch);
    columns[0].push_back(row.train_loss);
    columns[1].push_back(row.val_rel_l2);
    columns[2].push_back(row.lr);
    columns[3].push_back(row.seconds);
    columns[4].push_back(row.data_seconds);
    columns[5].push_back(row.cpu_seconds);
  }
  WriteInts(history.get(), "epoch", epoch);
  const char* names[] = {"train_loss", "val_rel_l2", "lr", "seconds", "data_seconds", "cpu_seconds"};
  for (int k = 0; k < 6; ++k) WriteDoubles(history.get(), names[k], columns[k]);
}

herr_t CollectAttributeName(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

TrainingRecord ReadRecord(const std::string& path) {
  const std::string context = "model file '" + path + "'";
  fno::sim::H5QuietErrors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(context + ": not an HDF5 file");
  H5Id file = fno::sim::H5File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) throw Error(context + ": HDF5 cannot open it; the file is corrupt or truncated");
  if (!fno::sim::HasLink(file.get(), "training"))
    throw Error(context + ": has no /training group (it was not written by fno-train)");
  try {
    TrainingRecord r;
    H5Id group = OpenGroup(file.get(), "training");
    r.dataset_path = fno::sim::ReadStringAttribute(group.get(), "dataset");
    r.dataset_fingerprint = fno::sim::ReadStringAttribute(group.get(), "dataset_fingerprint");
    {
      H5Id attribute = fno::sim::H5Attribute(H5Aopen(group.get(), "dataset_cases", H5P_DEFAULT));
      attribute.Check("open attribute dataset_cases");
      std::int64_t cases = 0;
      fno::sim::H5Require(H5Aread(attribute.get(), H5T_NATIVE_INT64, &cases), "read attribute dataset_cases");
      r.dataset_cases = cases;
      H5Id sampling = fno::sim::H5Attribute(H5Aopen(group.get(), "sampling", H5P_DEFAULT));
      sampling.Check("open attribute sampling");
      H5Id space = fno::sim::H5Space(H5Aget_space(sampling.get()));
      const hssize_t points = H5Sget_simple_extent_npoints(space.get());
      if (points < 1 || points > 4) throw std::runtime_error("attribute sampling holds " + std::to_string(points) + " values");
      r.sampling.resize(static_cast<std::size_t>(points));
      fno::sim::H5Require(H5Aread(sampling.get(), H5T_NATIVE_INT64, r.sampling.data()), "read attribute sampling");
    }
    {
      H5Id options = OpenGroup(group.get(), "options");
      std::vector<std::string> names;
      hsize_t index = 0;
      fno::sim::H5Require(H5Aiterate2(options.get(), H5_INDEX_NAME, H5_ITER_INC, &index, CollectAttributeName, &names),
                          "list the recorded options");
      for (const auto& name : names) r.options.emplace_back(name, fno::sim::ReadStringAttribute(options.get(), name));
    }
    {
      H5Id split = OpenGroup(group.get(), "split");
      r.train = ReadVector<Index>(split.get(), "train", H5T_NATIVE_INT64);
      r.val = ReadVector<Index>(split.get(), "val", H5T_NATIVE_INT64);
      r.test = ReadVector<Index>(split.get(), "test", H5T_NATIVE_INT64);
    }
    H5Id history = OpenGroup(group.get(), "history");
    const auto epoch = ReadVector<std::int64_t>(history.get(), "epoch", H5T_NATIVE_INT64);
    const char* names[] = {"train_loss", "val_rel_l2", "lr", "seconds", "data_seconds", "cpu_seconds"};
    std::vector<double> columns[6];
    for (int k = 0; k < 6; ++k) {
      columns[k] = ReadVector<double>(history.get(), names[k], H5T_NATIVE_DOUBLE);
      if (columns[k].size() != epoch.size()) throw std::runtime_error("history columns of different lengths");
    }
    for (std::size_t i = 0; i < epoch.size(); ++i)
      r.history.push_back(
          {epoch[i], columns[0][i], columns[1][i], columns[2][i], columns[3][i], columns[4][i], columns[5][i]});
    return r;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(context + ": malformed /training group (" + e.what() + ")");
  }
}

std::string PackRecord(const TrainingRecord& r) {
  Pack p;
  p.put<std::uint64_t>(r.options.size());
  for (const auto& [name, value] : r.options) {
    p.put_string(name);
    p.put_string(value);
  }
  p.put_string(r.dataset_path);
  p.put_string(r.dataset_fingerprint);
  p.put<std::int64_t>(r.dataset_cases);
  p.put_vector(r.sampling);
  p.put_vector(r.train);
  p.put_vector(r.val);
  p.put_vector(r.test);
  p.put_vector(r.history);
  return p.bytes();
}

TrainingRecord UnpackRecord(const std::string& bytes) {
  Pack p(bytes);
  TrainingRecord r;
  const auto n = p.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string name = p.get_string();
    r.options.emplace_back(name, p.get_string());
  }
  r.dataset_path = p.get_string();
  r.dataset_fingerprint = p.get_string();
  r.dataset_cases = p.get<std::int64_t>();
  r.sampling = p.get_vector<Index>();
  r.train = p.get_vector<Index>();
  r.val = p.get_vector<Index>();
  r.test = p.get_vector<Index>();
  r.history = p.get_vector<HistoryRow>();
  return r;
}

}  // namespace

std::string TrainingRecord::option(const std::string& name) const {
  for (const auto& [key, value] : options)
    if (key == name) return value;
  return "";
}

bool HasTrainingRecord(const std::string& path, MPI_Comm comm) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  int has = 0;
  if (rank == 0) {
    fno::sim::H5QuietErrors quiet;
    if (H5Fis_hdf5(path.c_str()) > 0) {
      H5Id file = fno::sim::H5File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
      has = file.valid() && fno::sim::HasLink(file.get(), "training") ? 1 : 0;
    }
  }
  FNO_MPI(MPI_Bcast(&has, 1, MPI_INT, 0, comm));
  return has != 0;
}

TrainingRecord ReadTrainingRecord(const std::string& path, MPI_Comm comm) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(comm, &rank));
  std::string bytes;
  OnEveryRank(comm, [&] {
    if (rank == 0) bytes = PackRecord(ReadRecord(path));
  });
  BroadcastString(comm, bytes, 0);
  return UnpackRecord(bytes);
}

void WriteModelWithRecord(MPI_Comm world, MPI_Comm writers, const std::string& path, const TrainingRecord& record,
                          const std::function<void(const std::string&)>& write_model) {
  int rank = 0;
  FNO_MPI(MPI_Comm_rank(world, &rank));
  FNO_CHECK(rank != 0 || writers != MPI_COMM_NULL, "rank 0 must be one of the writers");
  const std::string stage = path + ".stage";
  std::string error;
  if (writers != MPI_COMM_NULL) {
    try {
      write_model(stage);  // collective over writers; throws the same error on each of them
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  error = AgreedError(world, error);
  if (error.empty() && rank == 0) {
    try {
      fno::sim::H5QuietErrors quiet;
      {
        H5Id file = fno::sim::H5File(H5Fopen(stage.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
        file.Check("reopen the staged model file " + stage);
        WriteRecord(file.get(), record);
        fno::sim::H5Require(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + stage);
        file.Reset();
      }
      std::error_code ec;
      std::filesystem::rename(stage, path, ec);
      if (ec) throw std::runtime_error("renaming " + stage + " to " + path + " failed (" + ec.message() + ")");
    } catch (const std::exception& e) {
      error = "model file '" + path + "': writing the /training group failed: " + e.what();
    }
  }
  error = AgreedError(world, error);
  if (!error.empty()) {
    if (rank == 0) {
      std::error_code ignored;
      std::filesystem::remove(stage, ignored);
    }
    throw Error(error);
  }
}

}  // namespace fno::training
