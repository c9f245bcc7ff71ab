#!/usr/bin/env bash
# Makes a surrogate of any PETSc TS program on a DMDA (README, "Make a surrogate of your own
# PETSc program"): records perturbed runs of HOST with its own scheme, trains a model, evaluates
# it on held-out runs, replays the first held-out run through -ts_type fno and compares it with
# the numerical run (final state and TSStep time). Every step is resumable: recording continues
# after the last finished case, training from its checkpoint.
#
# usage: [settings] share/examples/make_surrogate.sh WORK_DIR HOST [HOST OPTIONS...]
# settings (environment):
#   SCHEME         the host's own TS type (required), e.g. cn, arkimex
#   RECORD         output times, e.g. "-ts_fno_record_interval 0.5"
#   PERTURB        e.g. "-ts_fno_perturb 0.3 -ts_fno_perturb_correlation 8"
#   TRAIN_CASES    recorded training runs (default 200; seeds 1..)
#   HELDOUT_CASES  recorded held-out runs (default 20; seeds 100001..)
#   EPOCHS         training epochs (default 40)
#   TRAIN_OPTS     more fno-train options (modes, width, learning rate, ...)
#   RANKS          MPI ranks for every step (default 2)
#   DOF            the host DMDA's components per cell, for the comparison (default 1)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,20p' "$0"; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$1"
shift
host=("$@")
: "${SCHEME:?set SCHEME to the TS type the host uses}"
RECORD="${RECORD:?set RECORD to the output times, e.g. -ts_fno_record_interval 0.5}"
PERTURB="${PERTURB:-}"
TRAIN_CASES="${TRAIN_CASES:-200}"
HELDOUT_CASES="${HELDOUT_CASES:-20}"
EPOCHS="${EPOCHS:-40}"
TRAIN_OPTS="${TRAIN_OPTS:-}"
RANKS="${RANKS:-2}"
DOF="${DOF:-1}"
bin="$root/build/bin"
lib="$root/build/lib/libpetscfno.so"
source "$root/scripts/mpi-env.sh"
mkdir -p "$work" && cd "$work"
record="-dll_append $lib -ts_type fno -ts_fno_record_ts_type $SCHEME $RECORD"

count_and_next_seed() {  # "<finished cases> <next seed>" of a dataset; seeds continue after the largest one
  [ -f "$1" ] || { echo "0 $2"; return; }
  /usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
done = f['done'][:] == 1
seeds = f['seeds'][:len(done)][done]
print(int(done.sum()), int(seeds.max()) + 1 if seeds.size else int(sys.argv[2]))" "$1" "$2"
}

record_cases() {  # dataset, cases wanted, first seed
  local file=$1 wanted=$2 first=$3 have seed
  read -r have seed < <(count_and_next_seed "$file" "$first")
  while [ "$have" -lt "$wanted" ]; do
    # A run the host's own solver fails (e.g. on a harsh perturbation) leaves no finished case:
    # say so and go on with the next seed.
    if mpiexec -n "$RANKS" "${host[@]}" $record -ts_fno_record "$file" $PERTURB -ts_fno_perturb_seed "$seed" \
        > "run-$seed.log" 2>&1; then
      grep "recorded case" "run-$seed.log"
      rm -f "run-$seed.log"
      have=$((have + 1))
    else
      echo "make_surrogate: the host failed with seed $seed (see $work/run-$seed.log); going on with the next seed"
    fi
    seed=$((seed + 1))
  done
}

echo "== recording: $TRAIN_CASES training runs (seeds 1..), $HELDOUT_CASES held-out runs (seeds 100001..)"
record_cases train.h5 "$TRAIN_CASES" 1
record_cases heldout.h5 "$HELDOUT_CASES" 100001

echo "== training ($EPOCHS epochs; resumable)"
resume=""
[ -f model.checkpoint.h5 ] && resume="-resume"
mpiexec -n "$RANKS" "$bin/fno-train" -data train.h5 -model_out model.h5 -epochs "$EPOCHS" $TRAIN_OPTS $resume

echo "== held-out evaluation"
mpiexec -n "$RANKS" "$bin/fno-eval" -model model.h5 -data heldout.h5 -cases all -png heldout.png | tee heldout.json

echo "== the first held-out run, numerical and through the surrogate"
seed=$(/usr/bin/python3 -c "import h5py; print(int(h5py.File('heldout.h5', 'r')['seeds'][0]))")
rm -f replay-check.h5
mpiexec -n "$RANKS" "${host[@]}" $record -ts_fno_record replay-check.h5 $PERTURB -ts_fno_perturb_seed $seed \
  -ts_view_solution binary:numerical.bin -log_view > numerical.log
mpiexec -n "$RANKS" "${host[@]}" -dll_append "$lib" -ts_type fno -ts_fno_model model.h5 $PERTURB \
  -ts_fno_perturb_seed $seed -ts_view_solution binary:surrogate.bin -log_view > surrogate.log
/usr/bin/python3 "$root/share/examples/compare_runs.py" numerical.bin numerical.log surrogate.bin surrogate.log \
  --dof "$DOF" | tee comparison.json
