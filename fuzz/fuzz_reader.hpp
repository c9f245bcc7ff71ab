// Shared body of the libFuzzer targets: each input is written to a private file (HDF5 reads
// files by name) and handed to one of the user-facing readers of tests/files/file_readers.hpp.
// A refusal (std::runtime_error, of which fno::Error is one) is the expected outcome for most
// inputs; anything else (a crash, a sanitizer report, another exception, an allocation
// above libFuzzer's -malloc_limit_mb, a timeout) is a finding.
#pragma once
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "file_readers.hpp"

namespace fno::fuzz {

inline std::string& input_path() {
  static std::string path;
  return path;
}

inline int initialize(int* argc, char*** argv) {
  MPI_Init(argc, argv);
  const char* dir = std::getenv("TMPDIR");
  input_path() = std::string(dir && *dir ? dir : "/tmp") + "/petscfno-fuzz-" + std::to_string(getpid()) + ".h5";
  std::atexit([] { std::remove(input_path().c_str()); });
  return 0;
}

template <class Reader>
int run_one(const std::uint8_t* data, std::size_t size, Reader&& read) {
  std::FILE* f = std::fopen(input_path().c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    read(input_path(), MPI_COMM_SELF);
  } catch (const std::runtime_error&) {  // one clear refusal
  }
  return 0;
}

}  // namespace fno::fuzz
