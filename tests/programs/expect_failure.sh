#!/usr/bin/env bash
# expect_failure.sh [-also COUNT REGEX]... COUNT REGEX command...
#
# Passes when the command, given bad input, fails cleanly on every rank:
#  - every rank's process exits non-zero by itself (not by a signal, not killed by mpiexec
#    because another rank stopped first). When the command is `mpiexec -n N [flags] prog
#    args...` (flags without values), prog runs under rank_status.sh, which records each
#    rank's exit status; N statuses must come back, all in 1..127. A serial command is
#    one rank.
#  - it does not hang: it must finish within $EXPECT_FAILURE_TIMEOUT seconds (default 90,
#    below ctest's timeout, so that a hang is reported here and its processes cleaned up);
#  - no process of the run is left afterwards (every process started by the command
#    carries a unique environment tag; /proc is searched for it);
#  - no crash message (segmentation fault, abort, core dump) in the output;
#  - the output has the expected messages: for each COUNT REGEX pair, if REGEX contains
#    @RANK@, then for every rank r at least COUNT lines match REGEX with @RANK@ replaced
#    by r (one message per rank); otherwise at least COUNT lines match REGEX.
set -u
here=$(cd "$(dirname "$0")" && pwd)
patterns=()
while [ "${1:-}" = "-also" ]; do
  patterns+=("$2" "$3")
  shift 3
done
patterns+=("$1" "$2")
shift 2
[ $# -ge 1 ] || { echo "expect_failure: no command given"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/expect_failure.XXXXXX")
trap 'rm -rf "$work"' EXIT
tag="expect_failure_$$_$(date +%s%N)"

# Insert the per-rank wrapper in front of the program.
cmd=("$@")
nranks=1
launcher=$(basename "$1")
case "$launcher" in
  mpiexec | mpirun | orterun | mpiexec.* | mpirun.*)
    i=1
    while [ $i -lt ${#cmd[@]} ] && [ "${cmd[$i]#-}" != "${cmd[$i]}" ]; do
      case "${cmd[$i]}" in
        -n | -np | --n | --np | -c)
          nranks=${cmd[$((i + 1))]}
          i=$((i + 2))
          ;;
        *) i=$((i + 1)) ;;
      esac
    done
    [ $i -lt ${#cmd[@]} ] || { echo "expect_failure: no program after the mpiexec flags"; exit 2; }
    cmd=("${cmd[@]:0:$i}" bash "$here/rank_status.sh" "$work" "${cmd[@]:$i}")
    ;;
  *) cmd=(bash "$here/rank_status.sh" "$work" "${cmd[@]}") ;;
esac

limit=${EXPECT_FAILURE_TIMEOUT:-90}
# Output to a file, not a pipe: a process left behind must not keep this script waiting.
env FNO_EXPECT_FAILURE_TAG="$tag" timeout -k 5 "$limit" "${cmd[@]}" > "$work/output" 2>&1 < /dev/null
rc=$?
out=$(cat "$work/output")
printf '%s\n' "$out" | grep -v "Configure options"
fail=0
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "expect_failure: the command did not finish within ${limit} s (hang?)"
  fail=1
fi

# Every process the run started carries the tag in its environment; give exiting ones a
# moment, then name and end whatever is left (only processes of this run).
survivors() {
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' '\n' 2> /dev/null < "$p/environ" | grep -qx "FNO_EXPECT_FAILURE_TAG=$tag"; then
      echo "${p#/proc/}"
    fi
  done
}
left=$(survivors)
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ -z "$left" ] && break
  sleep 0.5
  left=$(survivors)
done
if [ -n "$left" ]; then
  echo "expect_failure: processes of the command still running after it returned:"
  for p in $left; do echo "  $p: $(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null)"; done
  for p in $left; do kill -KILL "$p" 2> /dev/null; done
  fail=1
fi

# Each rank's own exit status.
for ((r = 0; r < nranks; ++r)); do
  if [ ! -f "$work/status.$r" ]; then
    echo "expect_failure: rank $r left no exit status (killed, e.g. by mpiexec after another rank stopped)"
    fail=1
    continue
  fi
  s=$(cat "$work/status.$r")
  if [ "$s" -eq 0 ]; then
    echo "expect_failure: rank $r exited 0 but should have failed"
    fail=1
  elif [ "$s" -ge 128 ]; then
    echo "expect_failure: rank $r was ended by signal $((s - 128)) instead of exiting with an error"
    fail=1
  fi
done
extra=$(find "$work" -name 'status.*' ! -name '*.tmp' | wc -l)
if [ "$extra" -gt "$nranks" ]; then
  echo "expect_failure: $extra ranks reported, expected $nranks"
  fail=1
fi

if printf '%s\n' "$out" | grep -qE 'Segmentation|signal 11|core dumped|Abort'; then
  echo "expect_failure: the command crashed instead of failing cleanly"
  fail=1
fi

# Expected messages.
for ((k = 0; k < ${#patterns[@]}; k += 2)); do
  count=${patterns[$k]}
  regex=${patterns[$((k + 1))]}
  if [ "${regex#*@RANK@}" != "$regex" ]; then
    for ((r = 0; r < nranks; ++r)); do
      n=$(printf '%s\n' "$out" | grep -cE -- "${regex//@RANK@/$r}")
      if [ "$n" -lt "$count" ]; then
        echo "expect_failure: rank $r: $n line(s) match '${regex//@RANK@/$r}', expected at least $count"
        fail=1
      fi
    done
  else
    n=$(printf '%s\n' "$out" | grep -cE -- "$regex")
    if [ "$n" -lt "$count" ]; then
      echo "expect_failure: $n line(s) match '$regex', expected at least $count"
      fail=1
    fi
  fi
done

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "expect_failure: all $nranks rank(s) exited non-zero ($(cat "$work"/status.* | tr '\n' ' ')), no process left, messages as expected"
