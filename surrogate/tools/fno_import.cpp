// fno-import <torch.h5> <model.h5>: converts a PyTorch FNO stored in the golden layout into
// a petsc-fno model file; when the source also holds a reference computation (/input,
// /loss_weight, /f64/output, /f64/grad_input, /f64/grads), runs the imported model in float32
// on the current ranks and prints one JSON line with the largest relative differences.
#include <hdf5.h>
#include <mpi.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "common/blas.hpp"
#include "layers/fno_model.hpp"
#include "files/model_file.hpp"
#include "tool_main.hpp"
#include "tool_options.hpp"
#include "torch_import.hpp"

namespace {

int run(int argc, char** argv) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') {
    if (rank == 0)
      std::fprintf(stderr,
                   "usage: fno-import <torch.h5> <model.h5> [problem options]\n"
                   "  Converts a PyTorch FNO in the golden layout to a petsc-fno model file; if the source\n"
                   "  holds /input, /output and gradients, also checks the imported model against them and\n"
                   "  prints one JSON line (output_rel, grad_input_rel, grad_params_rel_max, worst_param).\n"
                   "  With any of these options the model file also gets the /problem description a host\n"
                   "  (-ts_type fno) needs:\n%s",
                   fno::tools::problem_options_help);
    return 2;
  }
  const std::string source = argv[1], target = argv[2];
  fno::tools::ToolOptions options(argc, argv, 3, "fno-import");
  fno::blas::set_threads(1);

  const fno::FnoConfig config = fno::tools::read_torch_config(source);
  std::vector<int> dims(static_cast<std::size_t>(config.space_dims), 0);
  MPI_Dims_create(size, config.space_dims, dims.data());
  auto grid = std::make_shared<const fno::ProcessGrid>(MPI_COMM_WORLD, dims);
  fno::ModelWriteOptions write;
  write.problem = fno::tools::problem_from_options(options, config.grid.back(), /*required=*/false);
  if (write.problem) write.problem->description = "imported from the PyTorch FNO in " + source;
  options.require_all_read();
  fno::Fno<float> model(config, grid, /*batch=*/1);
  fno::tools::load_torch_parameters(source, model);
  fno::write_model(target, MPI_COMM_WORLD, config, model.parameters(), fno::Normalizers<float>{}, write);

  if (fno::tools::has_torch_reference(source)) {
    const fno::tools::ParityReport report = fno::tools::check_torch_parity(source, model);
    if (rank == 0) std::printf("%s\n", fno::tools::to_json(report).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fno::tools::run_mpi_tool(argc, argv, "fno-import", run); }
