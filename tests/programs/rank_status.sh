#!/usr/bin/env bash
# rank_status.sh DIR command...: run under mpiexec in place of the program, one per rank.
# Runs the command, writes its exit status to DIR/status.<rank> (and the pids to
# DIR/pid.<rank>), then exits 0 so that mpiexec does not cut the other ranks short when
# this one fails: every rank must fail on its own, which expect_failure.sh then checks.
# The rank comes from OpenMPI's OMPI_COMM_WORLD_RANK (PMI_RANK for MPICH; 0 when serial).
# If this wrapper is killed (mpiexec aborting the job), no status is written.
dir=$1
shift
rank=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}
"$@" &
child=$!
echo "$$ $child" > "$dir/pid.$rank"
wait "$child"
status=$?
echo "$status" > "$dir/status.$rank.tmp" && mv "$dir/status.$rank.tmp" "$dir/status.$rank"
exit 0
