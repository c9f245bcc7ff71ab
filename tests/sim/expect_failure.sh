#!/bin/sh
# expect_failure.sh PATTERN COMMAND...: passes when COMMAND exits non-zero and its output
# contains PATTERN (a grep -E expression); prints the output either way.
pattern="$1"
shift
output=$("$@" 2>&1)
status=$?
printf '%s\n' "$output" | grep -v "Configure options"
if [ "$status" -eq 0 ]; then
  echo "expect_failure: command succeeded but should have failed"
  exit 1
fi
if ! printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
  echo "expect_failure: exit status $status but no message matching: $pattern"
  exit 1
fi
echo "expect_failure: failed as expected (status $status) with: $pattern"
