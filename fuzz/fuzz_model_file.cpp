// libFuzzer target: a model file read as the plugin reads it (the configuration from the
// file, the model built from it, its parameters, normalizers and checkpoint state read).
#include "fuzz_reader.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) { return fno::fuzz::initialize(argc, argv); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fno::fuzz::run_one(data, size, fno::files::read_model_file);
}
