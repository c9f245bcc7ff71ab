// fno-train: trains an FNO on a dataset (schema petsc-fno-dataset-v1) with MPI ranks arranged
// as data-parallel groups × a spatial partition; checkpoints atomically, resumes exactly
// (-resume), writes the model file with /problem and /training. See README, "Training".
#include <petscsys.h>

#include <cstdio>
#include <exception>
#include <string>

#include "common/blas.hpp"
#include "petsc_program.hpp"
#include "train_options.hpp"
#include "trainer.hpp"

static const char help[] =
    "fno-train: trains a space-time FNO surrogate on a dataset written by fno-gen (schema v1) or recorded\n"
    "from a PETSc TS host with -ts_fno_record (schema v2: the dataset names the model's inputs and outputs).\n"
    "  fno-train -data DATA.h5 -model_out MODEL.h5 -epochs E [-resume] [options]\n"
    "Ranks form -groups data-parallel groups; the ranks of a group split the grid (model parallel).\n"
    "-resume continues from the checkpoint with the same losses as an uninterrupted run.\n\n";

namespace {

PetscErrorCode RunProgram() {
  PetscFunctionBeginUser;
  fno::training::OptionValues values;
  PetscBool resume = PETSC_FALSE;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-train options", "FNO");
  for (const fno::training::OptionSpec& spec : fno::training::TrainOptionTable()) {
    char text[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(text, spec.default_value, sizeof(text)));
    PetscBool set = PETSC_FALSE;
    const std::string name = std::string("-") + spec.name;
    PetscCall(PetscOptionsString(name.c_str(), spec.help, "", text, text, sizeof(text), &set));
    values[spec.name] = {text, set == PETSC_TRUE};
  }
  PetscCall(PetscOptionsBool("-resume", "continue from -checkpoint (options not given are taken from it)", "", resume,
                             &resume, nullptr));
  PetscOptionsEnd();
  PetscBool help_requested = PETSC_FALSE;
  PetscCall(PetscOptionsHasHelp(nullptr, &help_requested));
  if (help_requested) PetscFunctionReturn(0);

  fno::blas::set_threads(1);
  std::string error;
  try {
    fno::training::RunTraining(values, resume == PETSC_TRUE, PETSC_COMM_WORLD, [](const std::string& line) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    });
  } catch (const std::exception& e) {
    error = e.what();  // the same message on every rank (errors are agreed before they are thrown)
  }
  PetscCheck(error.empty(), PETSC_COMM_WORLD, PETSC_ERR_USER, "fno-train: %s", error.c_str());
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-train", RunProgram); }
