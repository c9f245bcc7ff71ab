#!/bin/sh
# expect_failure.sh PATTERN COMMAND...: a PETSc program (fno-sim, fno-gen) given bad input
# fails cleanly on every rank. The checks are tests/programs/expect_failure.sh's (every
# rank exits non-zero by itself, no hang, no process left, no crash); the messages are
# PETSc's: rank 0 prints the error, which must match PATTERN (a grep -E expression), and
# every rank r prints "[rank r] <program>: stopped with PETSc error N" (RunPetscProgram in
# adapters/programs/petsc_program.hpp). Neither is anchored at the line start: mpiexec
# forwards the ranks' output in chunks, so another rank's line can land inside one of
# rank 0's "[0]PETSC ERROR: ..." lines.
pattern="$1"
shift
exec bash "$(dirname "$0")/../programs/expect_failure.sh" \
  -also 1 "\[rank @RANK@\] fno-[a-z]+: stopped with PETSc error [0-9]+" 1 "$pattern" "$@"
