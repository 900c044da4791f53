#!/usr/bin/env bash
# Runs libFuzzer targets of a -Dfuzz=true build for a bounded time each, on
# a scratch copy of their seed corpus (the committed corpus is not
# touched), and reports executions per target. A crash, leak, timeout or
# failed check leaves its input in OUTDIR/artifacts/ and fails the run.
#   tests/fuzz/run.sh BUILDDIR OUTDIR SECONDS [RUNS] [TARGET...]
# RUNS: stop a target after this many executions (0: time only).
# Extra libFuzzer flags: $TRAWL_FUZZ_FLAGS. Default targets: all built.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 out=$2 secs=$3 runs=${4:-0}
shift $(($# < 4 ? $# : 4))
mkdir -p "$out/artifacts"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$build"/tests/fuzz/fuzz_*; do
        [ -x "$f" ] && [ -f "$f" ] && targets+=("$(basename "$f")")
    done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
bad=0
for t in "${targets[@]}"; do
    bin=$build/tests/fuzz/$t
    work=$out/corpus/$t
    rm -rf "$work"
    mkdir -p "$work"
    cp "$here/corpus/$t"/* "$work/" 2>/dev/null
    log=$out/$t.log
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -runs="${runs/#0/-1}" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" ${TRAWL_FUZZ_FLAGS:-} \
        "$work" >"$log" 2>&1
    rc=$?
    execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "ok - $t: ${execs:-?} executions (${rate:-?}/s, ${cov:-cov: ?}) in ${secs}s"
    else
        bad=$((bad + 1))
        echo "not ok - $t: exit $rc after ${execs:-?} executions; log $log"
        grep -E 'ERROR|SUMMARY|runtime error|check failed|Test unit written' "$log" | head -8 |
            sed 's/^/    /'
    fi
done
exit $((bad > 0))
