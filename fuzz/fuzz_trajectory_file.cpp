// libFuzzer target: a recorded-trajectory dataset (schema v2) read as the training programs
// read it (checked by fno::check_trajectory_file, then every done case's initial state, input
// fields and outputs read by fno::TrajectoryReader and their values checked).
#include "fuzz_reader.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) { return fno::fuzz::initialize(argc, argv); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fno::fuzz::run_one(data, size, fno::files::read_trajectory_file);
}
