// fno-eval: metrics of a model file on dataset cases, one JSON object on stdout; optionally
// a PNG strip (field, truth, prediction, error at a few times for a few cases) and the
// predictions as HDF5. See README, "Training".
#include <petscsys.h>

#include <cstdio>
#include <exception>
#include <sstream>
#include <string>

#include "common/blas.hpp"
#include "evaluator.hpp"
#include "petsc_program.hpp"

static const char help[] =
    "fno-eval: evaluates a model file on dataset cases; prints one JSON object (rel_l2_mean, rel_l2_median,\n"
    "rel_l2_p95, rel_l2_by_output, ms_per_case, counts; plume_iou_mean, plume_volume_rel_err_mean when an\n"
    "output is a saturation).\n"
    "  fno-eval -model MODEL.h5 -data DATA.h5 [-cases all|test|val|train|0,3,7-9] [-png FILE.png]\n\n";

namespace {

PetscErrorCode RunProgram() {
  PetscFunctionBeginUser;
  fno::training::EvalSettings s;
  char model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", cases[PETSC_MAX_PATH_LEN] = "all";
  char png[PETSC_MAX_PATH_LEN] = "", prediction[64] = "model", save[PETSC_MAX_PATH_LEN] = "";
  PetscInt batch = s.batch_size, png_cases = s.png_cases, pgrid[3] = {0, 0, 0}, pgrid_n = 3;
  PetscBool pgrid_set = PETSC_FALSE;
  PetscOptionsBegin(PETSC_COMM_WORLD, nullptr, "fno-eval options", "FNO");
  PetscCall(PetscOptionsString("-model", "model file (from fno-train or fno-import)", "", model, model, sizeof(model), nullptr));
  PetscCall(PetscOptionsString("-data", "dataset file (schema petsc-fno-dataset-v1 or v2)", "", data, data, sizeof(data), nullptr));
  PetscCall(PetscOptionsString("-cases",
                               "all (finished cases), test|val|train (the model's recorded split of this dataset), "
                               "or a list such as 0,3,7-9",
                               "", cases, cases, sizeof(cases), nullptr));
  PetscCall(PetscOptionsString("-png", "write a strip of the first -png_cases cases to this PNG file", "", png, png,
                               sizeof(png), nullptr));
  PetscCall(PetscOptionsInt("-png_cases", "cases drawn in the PNG strip", "", png_cases, &png_cases, nullptr));
  PetscCall(PetscOptionsInt("-batch_size", "cases per forward", "", batch, &batch, nullptr));
  PetscCall(PetscOptionsString("-prediction",
                               "model (default), or the known answers truth (prediction = truth: rel L2 0, IoU 1) and "
                               "zero (prediction 0: rel L2 1, IoU 0) that test the metrics",
                               "", prediction, prediction, sizeof(prediction), nullptr));
  PetscCall(PetscOptionsString("-save_predictions", "write the predictions ([case][time][grid reversed]) to this HDF5 file",
                               "", save, save, sizeof(save), nullptr));
  PetscCall(PetscOptionsIntArray("-pgrid", "process grid over the space axes (default: MPI_Dims_create)", "", pgrid,
                                 &pgrid_n, &pgrid_set));
  PetscOptionsEnd();
  PetscBool help_requested = PETSC_FALSE;
  PetscCall(PetscOptionsHasHelp(nullptr, &help_requested));
  if (help_requested) PetscFunctionReturn(0);
  s.model = model;
  s.data = data;
  s.cases = cases;
  s.png = png;
  s.png_cases = png_cases;
  s.batch_size = batch;
  s.prediction = prediction;
  s.save_predictions = save;
  if (pgrid_set)
    for (PetscInt k = 0; k < pgrid_n; ++k) s.pgrid.push_back(static_cast<int>(pgrid[k]));

  fno::blas::set_threads(1);
  std::string error, json;
  try {
    json = fno::training::RunEvaluation(s, PETSC_COMM_WORLD);
  } catch (const std::exception& e) {
    error = e.what();  // the same message on every rank
  }
  PetscCheck(error.empty(), PETSC_COMM_WORLD, PETSC_ERR_USER, "fno-eval: %s", error.c_str());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", json.c_str()));
  PetscFunctionReturn(0);
}

}  // namespace

int main(int argc, char** argv) { return fno::sim::RunPetscProgram(argc, argv, help, "fno-eval", RunProgram); }
