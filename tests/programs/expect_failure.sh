#!/usr/bin/env bash
# expect_failure.sh COUNT REGEX command...
# Passes when the command exits non-zero (without hanging: ctest's timeout guards that)
# and at least COUNT lines of its output match REGEX (e.g. one error line per rank).
set -u
count=$1; regex=$2; shift 2
out=$("$@" 2>&1); rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then echo "expect_failure: command succeeded but should have failed"; exit 1; fi
n=$(printf '%s\n' "$out" | grep -cE -- "$regex")
if [ "$n" -lt "$count" ]; then
  echo "expect_failure: $n line(s) match '$regex', expected at least $count"; exit 1
fi
if printf '%s\n' "$out" | grep -qE 'Segmentation|signal 11|core dumped|Abort'; then
  echo "expect_failure: the command crashed instead of failing cleanly"; exit 1
fi
echo "expect_failure: exit $rc with $n matching line(s), as expected"
