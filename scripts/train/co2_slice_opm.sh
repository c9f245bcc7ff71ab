#!/usr/bin/env bash
# co2_slice_opm.sh [WORKDIR]: reproduces share/models/co2-slice-opm.h5 (the CO2 slice
# surrogate trained on OPM Flow) and its held-out metrics. Every step resumes where a killed
# run stopped:
#   1. training data: fno-opm-gen of the OPM benchmark slice (fno-sim's default channelized
#      earth models, flow 2022.10, one thread per case), seed 11; a case depends only on
#      the seed and its index, so CASES=K gives exactly the first K cases of a longer run;
#   2. held-out data: seed 12 (fresh permeability seeds, never trained on);
#   3. fno-train with the shipped model's options (checkpoint every epoch, -resume);
#   4. fno-eval of the best-validation weights on the held-out set (JSON) and a picture, and
#      on 10 OPM cases whose permeability comes from another generator (Gaussian random
#      fields, seed 13: fields the model never saw the like of);
#   5. the same on 10 OPM runs of layered earth models made as a user would (share/examples/
#      opm_own_fields/evaluate.sh: their own fields, deck, flow run and fno-opm-import).
# Environment: CASES (training + validation cases; the shipped model: see its card),
# HELDOUT (40), EPOCHS, STOP_AFTER (0: run to EPOCHS), VAL (validation cases), RANKS (2,
# training and evaluation), GEN_RANKS (1: one flow per rank), BUILD (build).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/mpi-env.sh
work=${1:-train-opm-work}
cases=${CASES:-600}; heldout=${HELDOUT:-40}; epochs=${EPOCHS:-25}; stop_after=${STOP_AFTER:-0}; val=${VAL:-60}
ranks=${RANKS:-2}; gen_ranks=${GEN_RANKS:-1}; build=${BUILD:-build}
mkdir -p "$work"
mpiexec -n "$gen_ranks" "$build/bin/fno-opm-gen" -n "$cases" -seed 11 -output "$work/opm-train.h5" -workdir "$work/opm-train-work"
mpiexec -n "$gen_ranks" "$build/bin/fno-opm-gen" -n "$heldout" -seed 12 -output "$work/opm-heldout.h5" -workdir "$work/opm-heldout-work"
mpiexec -n "$gen_ranks" "$build/bin/fno-opm-gen" -perm_model gaussian -n 10 -seed 13 -output "$work/opm-heldout-gaussian.h5" \
  -workdir "$work/opm-heldout-gaussian-work"
resume=""
[ -f "$work/co2-slice-opm.checkpoint.h5" ] && resume="-resume"
mpiexec -n "$ranks" "$build/bin/fno-train" -data "$work/opm-train.h5" -model_out "$work/co2-slice-opm.h5" \
  -best_model "$work/co2-slice-opm.best.h5" -epochs "$epochs" -stop_after "$stop_after" -groups "$ranks" -batch_size 4 \
  -lr 1e-3 -schedule cosine -optimizer adam -weight_decay 1e-4 -width 20 -modes 8,8,8 -layers 4 -proj_width 128 -padding 13 -split "$val",0 \
  -split_seed 0 -seed 0 $resume
mpiexec -n "$ranks" "$build/bin/fno-eval" -model "$work/co2-slice-opm.best.h5" -data "$work/opm-heldout.h5" -cases all \
  -png "$work/co2-slice-opm-heldout.png" | tee "$work/heldout.json"
mpiexec -n "$ranks" "$build/bin/fno-eval" -model "$work/co2-slice-opm.best.h5" -data "$work/opm-heldout-gaussian.h5" -cases all \
  | tee "$work/heldout-gaussian.json"
# 5. ten OPM runs of earth models no petsc-fno generator makes (layered, dipping, shale lenses),
#    made and imported as a user would (share/examples/opm_own_fields).
BUILD="$build" MODEL="$work/co2-slice-opm.best.h5" RANKS="$ranks" bash share/examples/opm_own_fields/evaluate.sh "$work/own-fields" 10
