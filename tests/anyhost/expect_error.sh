#!/usr/bin/env bash
# expect_error.sh REGEX command...
# A host program given bad options must stop with a clear message and a non-zero exit, within
# $EXPECT_ERROR_TIMEOUT seconds (default 120), leaving no process behind. Unlike
# tests/programs/expect_failure.sh it does not require every rank to exit by itself: a PETSc
# program whose main() gets an error calls MPI_Abort (PETSc's own behaviour, src/sys/error/err.c),
# which ends the other ranks; the message is what every rank would print.
set -u
regex=$1
shift
tag="anyhost_expect_error_$$_$RANDOM"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
env EXPECT_ERROR_TAG="$tag" timeout -s KILL "${EXPECT_ERROR_TIMEOUT:-120}" "$@" >"$out" 2>&1
rc=$?
cat "$out"
fail() { echo "expect_error: FAIL: $*"; exit 1; }
[ $rc -ne 137 ] || fail "the command hung (killed after ${EXPECT_ERROR_TIMEOUT:-120} s)"
[ $rc -ne 0 ] || fail "the command succeeded"
grep -Eq -- "$regex" "$out" || fail "no line matches '$regex'"
grep -Eqi "segmentation|core dumped|signal 11" "$out" && fail "crash message in the output"
sleep 1
left=$(grep -l "EXPECT_ERROR_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || fail "$left process(es) of the run are still alive"
echo "expect_error: OK (exit $rc)"
