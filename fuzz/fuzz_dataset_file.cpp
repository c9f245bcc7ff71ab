// libFuzzer target: a dataset read as the training programs read it (validated, then every
// complete case's inputs and outputs read and their values checked).
#include "fuzz_reader.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) { return fno::fuzz::initialize(argc, argv); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fno::fuzz::run_one(data, size, fno::files::read_dataset_file);
}
