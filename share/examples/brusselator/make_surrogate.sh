#!/usr/bin/env bash
# README "Make a surrogate of your own PETSc program", on the example host brusselator.c:
# 200 recorded runs (Crank-Nicolson, every 0.5 time units to t = 10, initial states perturbed
# by a smooth random field of amplitude 0.3 and correlation 8 cells), 20 held-out runs, 40
# epochs, evaluation, replay. Resumable. Settings as in share/examples/make_surrogate.sh.
# usage: share/examples/brusselator/make_surrogate.sh [WORK_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
export SCHEME=cn DOF=2
export RECORD="${RECORD:--ts_fno_record_interval 0.5}"
export PERTURB="${PERTURB:--ts_fno_perturb 0.3 -ts_fno_perturb_correlation 8}"
export TRAIN_OPTS="${TRAIN_OPTS:--modes 12,12,8 -lr 2e-3}"
exec bash "$root/share/examples/make_surrogate.sh" "${1:-brusselator-surrogate}" "$root/build/bin/brusselator"
