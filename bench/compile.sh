#!/usr/bin/env bash
# bench/compile.sh — compile benchmark: wall time and peak RSS of `trawl compile` for generated
# 100k and 1M indicator sets, the database size, and its load time (`trawl info`, median of 5),
# against the targets: 1M in <= 20 s with <= 1.5 GB peak RSS, load <= 0.2 s.
set -uo pipefail

usage() {
    cat <<'EOF'
usage: bench/compile.sh [--sets "100k 1m"] [--runs N]

  --sets LIST   indicator set sizes (default "100k 1m")
  --runs N      compile runs per set, median reported (default 1; a 1M compile takes a while)

Environment: TRAWL_BUILD (default ./build) is the Meson build directory; it is set up and
built (targets tools/trawl and bench/trawl-gen) if needed. Data goes to bench/out/.
EOF
}

SETS="100k 1m"
RUNS=1
while [ $# -gt 0 ]; do
    case "$1" in
    --sets) SETS="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compile.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TRAWL_BUILD:-$ROOT/build}
OUT=$ROOT/bench/out
SEED=1
mkdir -p "$OUT"
die() { echo "compile.sh: $*" >&2; exit 2; }

[ -x /usr/bin/time ] || die "GNU time is needed for peak RSS: apt-get install time"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" -Dbuildtype=release >"$OUT/meson-setup.log" 2>&1 ||
        die "meson setup failed, see $OUT/meson-setup.log"
fi
ninja -C "$BUILD" tools/trawl bench/trawl-gen >"$OUT/ninja.log" 2>&1 ||
    die "build failed, see $OUT/ninja.log"
TRAWL=$BUILD/tools/trawl
GEN=$BUILD/bench/trawl-gen

median() {
    awk '{ v[NR] = $1 } END { n = NR; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
         if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
         print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# GNU time -v prints "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.33".
wall_of() {
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f\n", s }' "$1"
}
rss_of() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }

REPORT=$OUT/compile-report.md
{
    echo "## trawl compile benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores"
    echo
    echo "Sets from \`trawl-gen iocs --seed $SEED\` (mixed types, CSV). Build: $BUILD."
    echo "Compile: wall time and peak RSS from /usr/bin/time -v (median of $RUNS); load: wall time"
    echo "of \`trawl info\` (open, map and deserialise the database, print), median of 5."
    echo
    echo "| set | compile s | peak RSS MB | database MB | load s (trawl info) | load s (reported) |"
    echo "|---|---:|---:|---:|---:|---:|"
} >"$REPORT.tmp"

declare -A WALL RSS LOAD
for s in $SETS; do
    csv=$OUT/iocs-$s.csv
    if [ ! -s "$csv" ] || [ "$GEN" -nt "$csv" ]; then
        echo "== generating $s indicators" >&2
        "$GEN" iocs --count "$s" --seed $SEED -o "$csv" --patterns "$OUT/iocs-$s.pat" \
            --yara "$OUT/iocs-$s.yar" || die "trawl-gen failed"
    fi
    db=$OUT/compile-$s.tdb
    walls=() rsss=()
    for ((r = 1; r <= RUNS; r++)); do
        echo "== compiling $s (run $r/$RUNS)" >&2
        tv=$OUT/compile-$s.time
        /usr/bin/time -v -o "$tv" "$TRAWL" compile -q -o "$db" --format csv "$csv" \
            >"$OUT/compile-$s.log" 2>&1
        rc=$?
        [ $rc -ge 2 ] && die "trawl compile failed ($rc), see $OUT/compile-$s.log"
        walls+=("$(wall_of "$tv")")
        rsss+=("$(rss_of "$tv")")
    done
    WALL[$s]=$(printf '%s\n' "${walls[@]}" | median)
    RSS[$s]=$(printf '%s\n' "${rsss[@]}" | median | awk '{ printf "%.0f", $1 / 1024 }')
    size=$(stat -c %s "$db" | awk '{ printf "%.1f", $1 / 1e6 }')
    loads=()
    for ((r = 1; r <= 5; r++)); do
        t0=$EPOCHREALTIME
        "$TRAWL" info "$db" >"$OUT/info-$s.txt" 2>&1 || die "trawl info failed on $db"
        t1=$EPOCHREALTIME
        loads+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    done
    LOAD[$s]=$(printf '%s\n' "${loads[@]}" | median)
    reported=$(grep -o 'loaded in [0-9.]* s' "$OUT/info-$s.txt" | grep -o '[0-9.]*' || echo "-")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$s" "${WALL[$s]}" "${RSS[$s]}" "$size" \
        "${LOAD[$s]}" "$reported" >>"$REPORT.tmp"
    rm -f "$db"
done

target() { # label value op threshold
    awk -v l="$1" -v v="$2" -v op="$3" -v t="$4" 'BEGIN {
        ok = (v == "") ? "n/a" : ((op == "<=" ? v + 0 <= t + 0 : v + 0 >= t + 0) ? "PASS" : "FAIL")
        printf "| %s | %s | %s %s | %s |\n", l, v, op, t, ok }'
}
{
    echo
    case " $SETS " in
    *" 1m "*)
        echo "| target (1M set) | measured | wanted | |"
        echo "|---|---|---|---|"
        target "compile wall s" "${WALL[1m]}" "<=" 20
        target "compile peak RSS MB" "${RSS[1m]}" "<=" 1536
        target "load s (trawl info)" "${LOAD[1m]}" "<=" 0.2
        ;;
    *) echo "(targets are stated for the 1M set, not measured in this run)" ;;
    esac
} >>"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"
cat "$REPORT"
echo
echo "(report saved to $REPORT)"
