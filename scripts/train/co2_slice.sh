#!/usr/bin/env bash
# co2_slice.sh [WORKDIR]: reproduces the shipped model share/models/co2-slice.h5 and its
# held-out metrics. Every step resumes where a killed run stopped:
#   1. the training data: fno-gen of the default 64x64 slice (channelized permeability,
#      default injector, 51 snapshots over 10 years), seed 1 (regenerated deterministically
#      when missing: a case's data depend only on the seed and the case index);
#   2. the held-out data: seed 2 (fresh permeability seeds, never trained on);
#   3. fno-train with the options below (checkpoint every epoch, -resume);
#   4. fno-eval on the held-out set (JSON) and a picture.
# Environment: CASES (training + validation cases, default 508 as shipped), HELDOUT (100),
# EPOCHS (22 as shipped), RANKS (2; the shipped run: 2 data-parallel groups of 1 rank).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/mpi-env.sh
work=${1:-train-work}
cases=${CASES:-508}; heldout=${HELDOUT:-100}; epochs=${EPOCHS:-22}; ranks=${RANKS:-2}
mkdir -p "$work"
mpiexec -n "$ranks" build/bin/fno-gen -n "$cases" -seed 1 -output "$work/co2-train.h5"
mpiexec -n "$ranks" build/bin/fno-gen -n "$heldout" -seed 2 -output "$work/co2-heldout.h5"
resume=""
[ -f "$work/co2-slice.checkpoint.h5" ] && resume="-resume"
mpiexec -n "$ranks" build/bin/fno-train -data "$work/co2-train.h5" -model_out "$work/co2-slice.h5" \
  -best_model "$work/co2-slice.best.h5" -epochs "$epochs" -groups "$ranks" -batch_size 4 -lr 1e-3 \
  -schedule cosine -width 20 -modes 8,8,8 -layers 4 -proj_width 128 -padding 0 -split 40,0 \
  -split_seed 0 -seed 0 $resume
mpiexec -n "$ranks" build/bin/fno-eval -model "$work/co2-slice.best.h5" -data "$work/co2-heldout.h5" -cases all \
  -png "$work/co2-slice-heldout.png" | tee "$work/heldout.json"
