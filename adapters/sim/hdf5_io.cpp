#include "hdf5_io.hpp"

namespace fno::sim {

namespace {
H5Id FileAccess(MPI_Comm comm) {
  H5Id access = H5Plist(H5Pcreate(H5P_FILE_ACCESS));
  access.Check("create a file-access property list");
  H5Require(H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL), "select MPI-IO");
  return access;
}

H5Id Transfer(bool collective) {
  H5Id transfer = H5Plist(H5Pcreate(H5P_DATASET_XFER));
  transfer.Check("create a transfer property list");
  H5Require(H5Pset_dxpl_mpio(transfer.get(), collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT),
            "set the MPI-IO transfer mode");
  return transfer;
}

H5Id SelectHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count) {
  H5Id space = H5Space(H5Dget_space(dataset));
  space.Check("get a dataspace");
  hsize_t total = 1;
  for (hsize_t c : count) total *= c;
  if (total == 0) {
    H5Require(H5Sselect_none(space.get()), "select nothing");
  } else {
    H5Require(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
              "select a hyperslab");
  }
  return space;
}

H5Id MemorySpace(const std::vector<hsize_t>& count) {
  hsize_t total = 1;
  for (hsize_t c : count) total *= c;
  H5Id memory = H5Space(H5Screate_simple(1, &total, nullptr));
  memory.Check("create a memory dataspace");
  if (total == 0) H5Require(H5Sselect_none(memory.get()), "select nothing");
  return memory;
}

H5Id CreateDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type) {
  H5Id space = H5Space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  space.Check("create the dataspace of " + name);
  H5Id create = H5Plist(H5Pcreate(H5P_DATASET_CREATE));
  H5Require(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "set early allocation");
  H5Require(H5Pset_fill_time(create.get(), H5D_FILL_TIME_ALLOC), "set the fill time");
  H5Id dataset = H5Dataset(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
  dataset.Check("create dataset " + name);
  return dataset;
}
}  // namespace

H5Id CreateParallelFile(MPI_Comm comm, const std::string& path) {
  H5Id access = FileAccess(comm);
  H5Id file = H5File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()));
  file.Check("create file " + path);
  return file;
}

H5Id OpenParallelFile(MPI_Comm comm, const std::string& path, bool writable) {
  H5Id access = FileAccess(comm);
  H5Id file = H5File(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get()));
  file.Check("open file " + path);
  return file;
}

H5Id CreateDoubleDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims) {
  return CreateDataset(parent, name, dims, H5T_NATIVE_DOUBLE);
}

H5Id CreateCharDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims) {
  return CreateDataset(parent, name, dims, H5T_NATIVE_SCHAR);
}

std::vector<hsize_t> DatasetDims(hid_t dataset) {
  H5Id space = H5Space(H5Dget_space(dataset));
  space.Check("get a dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

void WriteDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                          const double* data, bool collective) {
  H5Id file_space = SelectHyperslab(dataset, start, count);
  H5Id memory = MemorySpace(count);
  H5Id transfer = Transfer(collective);
  H5Require(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), transfer.get(), data),
            "write a hyperslab");
}

void ReadDoubleHyperslab(hid_t dataset, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count, double* data,
                         bool collective) {
  H5Id file_space = SelectHyperslab(dataset, start, count);
  H5Id memory = MemorySpace(count);
  H5Id transfer = Transfer(collective);
  H5Require(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), transfer.get(), data),
            "read a hyperslab");
}

void WriteStringAttribute(hid_t object, const std::string& name, const std::string& value) {
  H5Id type = H5Type(H5Tcopy(H5T_C_S1));
  H5Require(H5Tset_size(type.get(), value.size() + 1), "size a string type");
  H5Id space = H5Space(H5Screate(H5S_SCALAR));
  H5Id attribute = H5Attribute(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  attribute.Check("create attribute " + name);
  H5Require(H5Awrite(attribute.get(), type.get(), value.c_str()), "write attribute " + name);
}

std::string ReadStringAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return "";
  H5Id attribute = H5Attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  attribute.Check("open attribute " + name);
  H5Id stored = H5Type(H5Aget_type(attribute.get()));
  if (H5Tget_class(stored.get()) != H5T_STRING) return "";
  const H5T_cset_t charset = H5Tget_cset(stored.get());  // h5py writes UTF-8 strings
  if (H5Tis_variable_str(stored.get()) > 0) {
    char* text = nullptr;
    H5Id memory = H5Type(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory.get(), H5T_VARIABLE);
    H5Tset_cset(memory.get(), charset);
    H5Require(H5Aread(attribute.get(), memory.get(), &text), "read attribute " + name);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(stored.get());
  std::string value(size, '\0');
  H5Id memory = H5Type(H5Tcopy(H5T_C_S1));
  H5Tset_size(memory.get(), size);
  H5Tset_cset(memory.get(), charset);
  H5Require(H5Aread(attribute.get(), memory.get(), value.data()), "read attribute " + name);
  return value.substr(0, value.find('\0'));
}

void WriteDoubleAttribute(hid_t object, const std::string& name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  H5Id space = H5Space(H5Screate_simple(1, &n, nullptr));
  H5Id attribute = H5Attribute(H5Acreate2(object, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  attribute.Check("create attribute " + name);
  H5Require(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()), "write attribute " + name);
}

std::vector<double> ReadDoubleAttribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return {};
  H5Id attribute = H5Attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  H5Id space = H5Space(H5Aget_space(attribute.get()));
  std::vector<double> values(H5Sget_simple_extent_npoints(space.get()));
  H5Require(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()), "read attribute " + name);
  return values;
}

bool HasLink(hid_t parent, const std::string& name) { return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0; }

}  // namespace fno::sim
