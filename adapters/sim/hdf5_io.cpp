#include "hdf5_io.hpp"

#include <cstring>
#include <stdexcept>

#include "files/hdf5_handles.hpp"  // the core's format rules (surrogate/)

namespace fno::sim {

namespace {
H5Id FileAccess(MPI_Comm comm) {
  H5Id access = H5Plist(H5Pcreate(H5P_FILE_ACCESS));
  access.Check("create a file-access property list");
  H5Require(H5Pset_fapl_mpio(access.get(), comm, MPI_INFO_NULL), "select MPI-IO");
  H5Require(fno::h5::use_checksummed_format(access.get()), "select the checksummed 1.10 file format");
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

H5Id CreateDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
                   Writes writes) {
  H5Id space = H5Space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  space.Check("create the dataspace of " + name);
  H5Id create = H5Plist(writes == Writes::independent
                            ? H5Pcreate(H5P_DATASET_CREATE)
                            : fno::h5::checksummed_dataset_creation(dims, H5Tget_size(type),
                                                                    writes == Writes::collective_per_slice)
                                  .release());
  create.Check("create the storage properties of " + name);
  H5Require(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "set early allocation");
  H5Require(H5Pset_fill_time(create.get(), H5D_FILL_TIME_ALLOC), "set the fill time");
  H5Id dataset = H5Dataset(H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
  dataset.Check("create dataset " + name);
  return dataset;
}
}  // namespace

H5Id CreateParallelFile(MPI_Comm comm, const std::string& path) {
  H5Id access = FileAccess(comm);
  H5Id create = H5Plist(fno::h5::compact_file_creation().release());
  create.Check("create the file-creation properties");
  H5Id file = H5File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, create.get(), access.get()));
  file.Check("create file " + path);
  return file;
}

H5Id OpenParallelFile(MPI_Comm comm, const std::string& path, bool writable) {
  H5Id access = FileAccess(comm);
  H5Id file = H5File(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get()));
  file.Check("open file " + path);
  return file;
}

H5Id CreateDoubleDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, Writes writes) {
  return CreateDataset(parent, name, dims, H5T_NATIVE_DOUBLE, writes);
}

H5Id CreateCharDataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, Writes writes) {
  return CreateDataset(parent, name, dims, H5T_NATIVE_SCHAR, writes);
}

std::vector<hsize_t> DatasetDims(hid_t dataset) {
  H5Id space = H5Space(H5Dget_space(dataset));
  space.Check("get a dataspace (the file is corrupt)");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > H5S_MAX_RANK) throw std::runtime_error("HDF5: cannot read a dataspace (the file is corrupt)");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Require(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "read a dataspace");
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

std::string ReadStringAttribute(hid_t object, const std::string& name, std::size_t max_bytes) {
  const htri_t exists = H5Aexists(object, name.c_str());
  H5Require(exists < 0 ? -1 : 0, "look up attribute " + name + " (the file is corrupt)");
  if (exists == 0) return "";
  H5Id attribute = H5Attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  attribute.Check("open attribute " + name + " (the file is corrupt)");
  H5Id stored = H5Type(H5Aget_type(attribute.get()));
  stored.Check("read the type of attribute " + name);
  if (H5Tget_class(stored.get()) != H5T_STRING) return "";
  H5Id space = H5Space(H5Aget_space(attribute.get()));
  space.Check("read the dataspace of attribute " + name);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return "";
  const H5T_cset_t charset = H5Tget_cset(stored.get());  // h5py writes UTF-8 strings
  std::string value;
  const htri_t variable = H5Tis_variable_str(stored.get());
  H5Require(variable < 0 ? -1 : 0, "read the type of attribute " + name);
  if (variable > 0) {
    char* text = nullptr;
    H5Id memory = H5Type(H5Tcopy(H5T_C_S1));
    H5Require(H5Tset_size(memory.get(), H5T_VARIABLE), "prepare a string type");
    H5Require(H5Tset_cset(memory.get(), charset), "prepare a string type");
    H5Require(H5Aread(attribute.get(), memory.get(), &text), "read attribute " + name);
    value = text ? std::string(text, strnlen(text, max_bytes + 1)) : std::string();
    H5free_memory(text);
  } else {
    const std::size_t size = H5Tget_size(stored.get());
    if (size == 0 || size > max_bytes)
      throw std::runtime_error("HDF5: attribute " + name + " is a string of " + std::to_string(size) +
                               " bytes; at most " + std::to_string(max_bytes) + " are expected");
    value.assign(size + 1, '\0');  // room for the terminator when the stored string is null-padded
    H5Id memory = H5Type(H5Tcopy(H5T_C_S1));
    H5Require(H5Tset_size(memory.get(), size + 1), "prepare a string type");
    H5Require(H5Tset_cset(memory.get(), charset), "prepare a string type");
    H5Require(H5Aread(attribute.get(), memory.get(), value.data()), "read attribute " + name);
    value = value.substr(0, value.find('\0'));
  }
  if (value.size() > max_bytes)
    throw std::runtime_error("HDF5: attribute " + name + " is a string of more than " + std::to_string(max_bytes) +
                             " bytes");
  return value;
}

void WriteDoubleAttribute(hid_t object, const std::string& name, const std::vector<double>& values) {
  const hsize_t n = values.size();
  H5Id space = H5Space(H5Screate_simple(1, &n, nullptr));
  H5Id attribute = H5Attribute(H5Acreate2(object, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  attribute.Check("create attribute " + name);
  H5Require(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()), "write attribute " + name);
}

std::vector<double> ReadDoubleAttribute(hid_t object, const std::string& name, std::size_t max_values) {
  const htri_t exists = H5Aexists(object, name.c_str());
  H5Require(exists < 0 ? -1 : 0, "look up attribute " + name + " (the file is corrupt)");
  if (exists == 0) return {};
  H5Id attribute = H5Attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  attribute.Check("open attribute " + name + " (the file is corrupt)");
  H5Id stored = H5Type(H5Aget_type(attribute.get()));
  stored.Check("read the type of attribute " + name);
  const H5T_class_t type_class = H5Tget_class(stored.get());
  const std::size_t type_size = H5Tget_size(stored.get());
  if (!((type_class == H5T_FLOAT && (type_size == 4 || type_size == 8)) ||
        (type_class == H5T_INTEGER && type_size >= 1 && type_size <= 8)))
    throw std::runtime_error("HDF5: attribute " + name + " is not numeric");
  H5Id space = H5Space(H5Aget_space(attribute.get()));
  space.Check("read the dataspace of attribute " + name);
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0 || static_cast<std::uint64_t>(points) > max_values)
    throw std::runtime_error("HDF5: attribute " + name + " holds " + std::to_string(points) + " values; at most " +
                             std::to_string(max_values) + " are expected");
  std::vector<double> values(static_cast<std::size_t>(points));
  if (!values.empty()) H5Require(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()), "read attribute " + name);
  return values;
}

bool HasLink(hid_t parent, const std::string& name) {
  const htri_t exists = H5Lexists(parent, name.c_str(), H5P_DEFAULT);
  H5Require(exists < 0 ? -1 : 0, "look up " + name + " (the file is corrupt)");
  if (exists == 0) return false;
  H5L_info_t info{};
  H5Require(H5Lget_info(parent, name.c_str(), &info, H5P_DEFAULT), "read link " + name + " (the file is corrupt)");
  if (info.type != H5L_TYPE_HARD)
    throw std::runtime_error("HDF5: " + name + " is a soft or external link; petsc-fno files hold their objects themselves");
  return true;
}

}  // namespace fno::sim
