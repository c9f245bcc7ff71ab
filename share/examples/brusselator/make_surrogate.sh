#!/usr/bin/env bash
# "Make a surrogate of your own PETSc program" (README), end to end on the example host
# share/examples/brusselator/brusselator.c: record perturbed runs, train, evaluate on held-out
# runs, replay one held-out run through -ts_type fno and compare it with the numerical run.
# Every step is resumable: recording continues after the last finished case, training
# resumes from its checkpoint.
#
# usage: share/examples/brusselator/make_surrogate.sh [WORK_DIR] [TRAIN_CASES] [HELDOUT_CASES] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
work="${1:-brusselator-surrogate}"
train_cases="${2:-200}"
heldout_cases="${3:-20}"
epochs="${4:-40}"
bin="$root/build/bin"
lib="$root/build/lib/libpetscfno.so"
source "$root/scripts/mpi-env.sh"
mkdir -p "$work" && cd "$work"

# The host's own options stay as they are; these are the plugin's.
record="-dll_append $lib -ts_type fno -ts_fno_record_ts_type cn -ts_fno_record_interval 0.5"
perturb="-ts_fno_perturb 0.3 -ts_fno_perturb_correlation 8"

done_cases() {  # finished cases in a dataset (0 if it does not exist yet)
  [ -f "$1" ] || { echo 0; return; }
  /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(int(f['done'][:].sum()))" "$1"
}

echo "== recording: $train_cases training runs (seeds 1..), $heldout_cases held-out runs (seeds 100001..)"
for ((s = $(done_cases train.h5) + 1; s <= train_cases; s++)); do
  mpiexec -n 2 "$bin/brusselator" $record -ts_fno_record train.h5 $perturb -ts_fno_perturb_seed "$s" | grep "recorded case"
done
for ((s = $(done_cases heldout.h5) + 1; s <= heldout_cases; s++)); do
  mpiexec -n 2 "$bin/brusselator" $record -ts_fno_record heldout.h5 $perturb -ts_fno_perturb_seed $((100000 + s)) |
    grep "recorded case"
done

echo "== training ($epochs epochs; resumable)"
resume=""
[ -f brusselator.checkpoint.h5 ] && resume="-resume"
mpiexec -n 2 "$bin/fno-train" -data train.h5 -model_out brusselator.h5 -epochs "$epochs" -modes 12,12,8 -width 20 \
  -batch_size 4 -lr 2e-3 $resume

echo "== held-out evaluation"
mpiexec -n 2 "$bin/fno-eval" -model brusselator.h5 -data heldout.h5 -cases all -png heldout.png | tee heldout.json

echo "== one held-out run, numerical and through the surrogate"
seed=100001
rm -f replay-check.h5
for mode in numerical surrogate; do
  opts=""
  [ "$mode" = surrogate ] && opts="-dll_append $lib -ts_type fno -ts_fno_model brusselator.h5 $perturb -ts_fno_perturb_seed $seed"
  [ "$mode" = numerical ] && opts="-dll_append $lib -ts_type fno -ts_fno_record_ts_type cn -ts_fno_record replay-check.h5 -ts_fno_record_times 10 $perturb -ts_fno_perturb_seed $seed"
  mpiexec -n 2 "$bin/brusselator" $opts -ts_view_solution "binary:$mode.bin" -log_view > "$mode.log"
done
/usr/bin/python3 "$root/share/examples/compare_runs.py" numerical.bin numerical.log surrogate.bin surrogate.log --dof 2
