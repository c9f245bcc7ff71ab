#!/usr/bin/env bash
# expect_failure_selftest.sh MPIEXEC: the bad-input checker itself can fail. Runs
# expect_failure.sh on stand-in commands (bash under mpiexec -n 3) and requires it to pass
# only when every rank exits non-zero with its message, and to fail when one rank exits 0,
# one rank hangs, one rank is silent, a rank dies of a signal, or a process is left behind.
set -u
mpiexec=$1
check="$(cd "$(dirname "$0")" && pwd)/expect_failure.sh"
export EXPECT_FAILURE_TIMEOUT=10
bad=0
expect() {  # expect pass|fail REASON description command...: REASON is a grep -E on the verdict
  local want=$1 reason=$2 what=$3
  shift 3
  bash "$check" 1 "^msg from @RANK@$" "$mpiexec" -n 3 bash -c "$*" > /tmp/expect_failure_selftest.$$ 2>&1
  local rc=$?
  local got=fail
  [ $rc -eq 0 ] && got=pass
  if [ "$got" = "$want" ] && grep -qE -- "^expect_failure: .*($reason)" /tmp/expect_failure_selftest.$$; then
    echo "ok: $what -> $got"
  else
    echo "WRONG: $what -> $got, expected $want with '$reason'"
    sed 's/^/    /' /tmp/expect_failure_selftest.$$
    bad=1
  fi
  rm -f /tmp/expect_failure_selftest.$$
}
r='$OMPI_COMM_WORLD_RANK'
expect pass "all 3 rank.s. exited non-zero" "every rank reports and exits 1" "echo msg from $r; exit 1"
expect fail "rank 2 exited 0" "rank 2 exits 0" "echo msg from $r; [ $r = 2 ] && exit 0; exit 1"
expect fail "rank 0 exited 0" "every rank exits 0" "echo msg from $r; exit 0"
expect fail "did not finish" "rank 1 hangs" "echo msg from $r; [ $r = 1 ] && sleep 600; exit 1"
expect fail "rank 1: 0 line" "only rank 0 reports" "[ $r = 0 ] && echo msg from 0; exit 1"
expect fail "rank 1: 0 line" "rank 0 reports twice, rank 1 never" "[ $r = 1 ] || echo msg from 0; [ $r = 2 ] && echo msg from 2; exit 1"
expect fail "rank 1 was ended by signal 11" "rank 1 dies of SIGSEGV" "echo msg from $r; [ $r = 1 ] && kill -SEGV \$\$; exit 1"
expect fail "still running" "rank 0 leaves a process behind" "echo msg from $r; [ $r = 0 ] && (sleep 60 > /dev/null 2>&1 &); exit 1"
exit $bad
