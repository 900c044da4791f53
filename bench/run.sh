#!/usr/bin/env bash
# bench/run.sh — scan throughput of trawl against grep, ripgrep, YARA and the decompressors on
# generated logs, medians of N interleaved runs, plus recall/precision against the planted
# truth. Everything it generates goes to bench/out/ (gitignored) and is reused while the
# generator binary is unchanged. See bench/README.md for what each number means.
set -uo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--quick] [--size MB] [--runs N] [--slice MB] [--sets "1k 10k ..."]

  --quick       64 MiB corpus, sets 1k 10k 100k (no 1M), 16 MB peer slice
  --size MB     corpus size in MiB (default 512)
  --runs N      runs per measurement, the median is reported (default 3)
  --slice MB    grep/rg/yara read only the first MB MB of the corpus (default 32)
  --sets LIST   indicator set sizes (default "1k 10k 100k 1m"; --quick "1k 10k 100k")
  --no-gz       skip the .gz measurements
  --full-peers  at 1M also run rg (needs ~13 GB RAM, ~160 s start-up) and repeat the peers
                N times (by default they run once at 1M)

Environment: TRAWL_BUILD (default ./build) is the Meson build directory; it is set up
and built (targets tools/trawl and bench/trawl-gen) if needed.
EOF
}

QUICK=0
SIZE_MB=""
RUNS=3
SLICE_MB=""
SETS=""
DO_GZ=1
FULL_PEERS=0
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --size) SIZE_MB="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --slice) SLICE_MB="$2"; shift ;;
    --sets) SETS="$2"; shift ;;
    --no-gz) DO_GZ=0 ;;
    --full-peers) FULL_PEERS=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    : "${SIZE_MB:=64}" "${SLICE_MB:=16}" "${SETS:=1k 10k 100k}"
else
    : "${SIZE_MB:=512}" "${SLICE_MB:=32}" "${SETS:=1k 10k 100k 1m}"
fi
[ "$SLICE_MB" -gt "$SIZE_MB" ] && SLICE_MB=$SIZE_MB

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TRAWL_BUILD:-$ROOT/build}
OUT=$ROOT/bench/out
SEED=1
mkdir -p "$OUT"

die() { echo "run.sh: $*" >&2; exit 2; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---- build ------------------------------------------------------------------------------
{ have meson && have ninja; } || die "meson and ninja are needed (apt-get install meson ninja-build)"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" -Dbuildtype=release >"$OUT/meson-setup.log" 2>&1 ||
        die "meson setup failed, see $OUT/meson-setup.log"
fi
ninja -C "$BUILD" tools/trawl bench/trawl-gen bench/trawl-hsbare >"$OUT/ninja.log" 2>&1 ||
    die "build failed, see $OUT/ninja.log"
TRAWL=$BUILD/tools/trawl
GEN=$BUILD/bench/trawl-gen
HSBARE=$BUILD/bench/trawl-hsbare
btype=$(meson introspect --buildoptions "$BUILD" 2>/dev/null |
    grep -o '"name": "buildtype", "value": "[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"')

# ---- peers ------------------------------------------------------------------------------
missing=()
have rg || missing+=("rg (apt-get install ripgrep)")
{ have yara && have yarac; } || missing+=("yara (apt-get install yara)")
have igzip || missing+=("igzip (apt-get install isal)")
if have pigz; then GZIP_CMD=(pigz -6 -c); else GZIP_CMD=(gzip -6 -c); fi

# ---- data -------------------------------------------------------------------------------
# fresh FILE DEP...: FILE exists and is newer than every DEP.
fresh() {
    local f=$1; shift
    [ -s "$f" ] || return 1
    local d
    for d in "$@"; do [ "$f" -nt "$d" ] || return 1; done
}

echo "== generating data in $OUT"
for s in $SETS; do
    csv=$OUT/iocs-$s.csv
    if ! fresh "$csv" "$GEN"; then
        "$GEN" iocs --count "$s" --seed $SEED -o "$csv" --patterns "$OUT/iocs-$s.pat" \
            --yara "$OUT/iocs-$s.yar" || die "trawl-gen iocs failed"
    fi
done
# The corpus is planted from the 10k set. Sets are nested (the first N rows of any larger
# set), so the 100k and 1M sets expect exactly the same hits.
ref=$OUT/iocs-10k.csv
fresh "$ref" "$GEN" || "$GEN" iocs --count 10k --seed $SEED -o "$ref" \
    --patterns "$OUT/iocs-10k.pat" --yara "$OUT/iocs-10k.yar" || die "trawl-gen iocs failed"
CORPUS=$OUT/logs-${SIZE_MB}M.log
TRUTH=$OUT/logs-${SIZE_MB}M.truth
NEAR=$OUT/logs-${SIZE_MB}M.near
if ! fresh "$CORPUS" "$GEN" || ! fresh "$TRUTH" "$GEN"; then
    echo "   corpus: ${SIZE_MB} MiB of mixed logs"
    "$GEN" logs --size "${SIZE_MB}M" --iocs "$ref" --seed $SEED -o "$CORPUS" --truth "$TRUTH" \
        --near "$NEAR" || die "trawl-gen logs failed"
fi
GZ=$CORPUS.gz
if [ "$DO_GZ" = 1 ] && ! fresh "$GZ" "$CORPUS"; then
    echo "   compressing with ${GZIP_CMD[*]}"
    "${GZIP_CMD[@]}" "$CORPUS" >"$GZ.tmp" && mv "$GZ.tmp" "$GZ" || die "gzip failed"
fi
SLICE=$OUT/slice-${SIZE_MB}M-${SLICE_MB}M.log
fresh "$SLICE" "$CORPUS" || head -c $((SLICE_MB * 1000000)) "$CORPUS" >"$SLICE"
BYTES=$(stat -c %s "$CORPUS")
SBYTES=$(stat -c %s "$SLICE")

for s in $SETS; do
    tdb=$OUT/iocs-$s.tdb
    if ! fresh "$tdb" "$OUT/iocs-$s.csv" "$TRAWL"; then
        echo "   compiling $s indicators"
        "$TRAWL" compile -q -o "$tdb" --format csv "$OUT/iocs-$s.csv" >"$OUT/compile-$s.log" 2>&1
        [ $? -ge 2 ] && die "trawl compile failed for $s, see $OUT/compile-$s.log"
    fi
    # YARA at 1M strings compiles for many minutes in several GB: skipped.
    if have yarac && [ "$s" != 1m ] && ! fresh "$OUT/iocs-$s.yarc" "$OUT/iocs-$s.yar"; then
        yarac -w "$OUT/iocs-$s.yar" "$OUT/iocs-$s.yarc" || rm -f "$OUT/iocs-$s.yarc"
    fi
done

# ---- measuring --------------------------------------------------------------------------
# Wall time of one command in seconds (bash $EPOCHREALTIME), or "ERR". Exit status 1 is
# "no match" for grep/rg/trawl and is not an error. Standard output goes to a file, not
# /dev/null: GNU grep stops at the first match when its output is /dev/null. The
# decompressors are the exception (TIMEIT_NULL=1): their output is the whole corpus, and
# the table compares against `igzip -dc > /dev/null`.
#
# The input (the last argument) is read once, untimed, just before: this machine's kernel
# reclaims idle page cache within seconds (a kdamond thread runs), so after the slower peers
# part of the corpus would otherwise come from disk, for whichever tool happens to run next.
# Every tool is measured on an input in memory.
timeit() {
    local s e rc out=$OUT/last.out
    [ "${TIMEIT_NULL:-0}" = 1 ] && out=/dev/null
    [ -f "${!#}" ] && cat "${!#}" >/dev/null
    s=$EPOCHREALTIME
    "$@" >"$out" 2>"$OUT/last.err"
    rc=$?
    e=$EPOCHREALTIME
    if [ $rc -ge 2 ]; then
        echo "run.sh: '$*' failed ($rc): $(head -c 300 "$OUT/last.err")" >&2
        echo ERR
    else
        awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
    fi
}

median() { # values on stdin; ERR if any run failed
    awk '$1 == "ERR" { err = 1 } { v[NR] = $1 }
         END { if (err || NR == 0) { print "ERR"; exit }
               n = NR; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                   if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
               print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

mbps() { # bytes seconds startup-seconds: MB/s of the scan itself
    awk -v b="$1" -v t="$2" -v s="$3" 'BEGIN { if (t == "ERR" || s == "ERR") { print "ERR"; exit }
        d = t - s; if (d < t / 20) d = t / 20
        v = b / 1e6 / d; if (v >= 100) printf "%.0f\n", v; else printf "%.1f\n", v }'
}

ratio() { # a b -> a/b
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "ERR" || b == "ERR" || b <= 0) print "-"; else printf "%.2f\n", a / b }'
}

cat "$CORPUS" "$SLICE" >/dev/null
[ "$DO_GZ" = 1 ] && cat "$GZ" >/dev/null

TABLE=$OUT/results.md
{
    echo "| set | tool | input | MB/s | start-up s | ratio |"
    echo "|---|---|---|---:|---:|---|"
} >"$TABLE"
declare -A RES START
EMPTY=$OUT/empty.log
: >"$EMPTY"
gzip -c <"$EMPTY" >"$EMPTY.gz"

for s in $SETS; do
    tdb=$OUT/iocs-$s.tdb
    pat=$OUT/iocs-$s.pat
    yarc=$OUT/iocs-$s.yarc
    # name|bytes|command... ; all run once per round, rounds interleave the tools.
    tools=("trawl-j1|$BYTES|$TRAWL scan -q --max-tlp red -d $tdb -j1 -o /dev/null $CORPUS"
        "trawl-j2|$BYTES|$TRAWL scan -q --max-tlp red -d $tdb -j2 -o /dev/null $CORPUS"
        "grep|$SBYTES|env LC_ALL=C grep -F -i -c -f $pat $SLICE")
    # The one-core target's reference: Hyperscan alone on the set's literal values (its
    # compile takes minutes at 1M: skipped there).
    [ "$s" != 1m ] && tools+=("hsbare|$BYTES|$HSBARE $OUT/iocs-$s.csv $CORPUS")
    # rg needs ~160 s and 13 GB just to build its matcher for 1M patterns: opt-in only.
    have rg && { [ "$s" != 1m ] || [ "$FULL_PEERS" = 1 ]; } &&
        tools+=("rg|$SBYTES|rg --no-config -F -c -f $pat $SLICE")
    [ -s "$yarc" ] && tools+=("yara|$SBYTES|yara -w -c -C $yarc $SLICE")
    if [ "$DO_GZ" = 1 ]; then
        tools+=("trawl-gz-j2|$BYTES|$TRAWL scan -q --max-tlp red -d $tdb -j2 -o /dev/null $GZ")
        have igzip && tools+=("igzip|$BYTES|igzip -dc $GZ")
        tools+=("zcat|$BYTES|zcat $GZ")
    fi
    echo "== set $s: ${#tools[@]} measurements x $RUNS runs"
    declare -A times=() starts=()
    for ((r = 1; r <= RUNS; r++)); do
        for t in "${tools[@]}"; do
            name=${t%%|*}
            cmd=${t#*|}; cmd=${cmd#*|}
            # At 1M the peers spend minutes compiling their patterns: one run each.
            if [ "$s" = 1m ] && [ "$r" -gt 1 ] && [ "${name#trawl}" = "$name" ] &&
                [ "$name" != igzip ] && [ "$name" != zcat ] && [ "$FULL_PEERS" != 1 ]; then
                continue
            fi
            # shellcheck disable=SC2086 # the command lines are split on purpose
            null=0
            [ "$name" = igzip ] || [ "$name" = zcat ] && null=1
            tm=$(TIMEIT_NULL=$null timeit $cmd)
            # trawl-hsbare times its scan itself (its compile varies by more than that)
            [ "$name" = hsbare ] && [ "$tm" != ERR ] && tm=$(awk '{ print $2 }' "$OUT/last.out")
            times[$name]+="$tm "
            if [ "$name" = hsbare ]; then
                starts[$name]+="0 "
                continue
            fi
            # The same command on an empty input: start-up (pattern compilation, database
            # load, thread start) that is subtracted from the time above.
            input=${cmd##* }
            empty=$EMPTY
            [ "${input%.gz}" != "$input" ] && empty=$EMPTY.gz
            # shellcheck disable=SC2086
            starts[$name]+="$(timeit ${cmd% *} $empty) "
        done
    done
    for t in "${tools[@]}"; do
        name=${t%%|*}
        bytes=${t#*|}; bytes=${bytes%%|*}
        med=$(echo "${times[$name]}" | tr ' ' '\n' | grep . | median)
        # Minimum, not median: noise only adds time, and it would be subtracted.
        st=$(echo "${starts[$name]}" | tr ' ' '\n' | grep . | sort -g | head -n 1)
        RES[$s.$name]=$(mbps "$bytes" "$med" "$st")
        START[$s.$name]=$st
    done
    j1=${RES[$s.trawl-j1]}
    gz2=${RES[$s.trawl-gz-j2]:-ERR}
    slice_note="first $((SBYTES / 1000000)) MB"
    row() { # set tool input name ratio
        printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "${RES[$1.$4]:-ERR}" \
            "$(awk -v v="${START[$1.$4]:-ERR}" 'BEGIN { if (v == "ERR") print "-"; else printf "%.2f", v }')" "$5" >>"$TABLE"
    }
    row "$s" "trawl scan -j1" "plain $((BYTES / 1048576)) MiB" trawl-j1 ""
    row "$s" "trawl scan -j2" "plain" trawl-j2 "-j2/-j1 $(ratio "${RES[$s.trawl-j2]}" "$j1")"
    [ -n "${RES[$s.hsbare]:-}" ] &&
        row "$s" "bare hs_scan of the set's literal values" "plain" hsbare "trawl -j1/hs_scan $(ratio "$j1" "${RES[$s.hsbare]}")"
    row "$s" "LC_ALL=C grep -F -i -f" "$slice_note" grep "trawl/grep $(ratio "$j1" "${RES[$s.grep]}")"
    if [ -n "${RES[$s.rg]:-}" ]; then
        row "$s" "rg -F -f (no -i)" "$slice_note" rg "trawl/rg $(ratio "$j1" "${RES[$s.rg]}")"
    elif have rg; then
        printf '| %s | rg | - | skipped | - | 1M patterns: ~160 s, 13 GB to start (--full-peers) |\n' "$s" >>"$TABLE"
    fi
    if [ -n "${RES[$s.yara]:-}" ]; then
        row "$s" "yara -C (nocase fullword)" "$slice_note" yara "trawl/yara $(ratio "$j1" "${RES[$s.yara]}")"
    else
        printf '| %s | yara | - | skipped | - | %s |\n' "$s" \
            "$([ "$s" = 1m ] && echo "yarac on 1M strings is impractical" || echo "yara not installed")" >>"$TABLE"
    fi
    if [ "$DO_GZ" = 1 ]; then
        row "$s" "trawl scan -j2 on .gz" ".gz (gzip -6)" trawl-gz-j2 ""
        [ -n "${RES[$s.igzip]:-}" ] &&
            row "$s" "igzip -dc > /dev/null" ".gz" igzip "trawl.gz/igzip $(ratio "$gz2" "${RES[$s.igzip]}")"
        row "$s" "zcat > /dev/null" ".gz" zcat "trawl.gz/zcat $(ratio "$gz2" "${RES[$s.zcat]}")"
    fi
    tail -n +3 "$TABLE" | grep "^| $s " | sed 's/^/   /'
done

# ---- correctness against the planted truth ----------------------------------------------
VERIFY=$OUT/verify.txt
: >"$VERIFY"
verify() { # label db input
    local hits=$OUT/hits-$1.jsonl
    "$TRAWL" scan -q --max-tlp red -d "$2" -j2 -o "$hits" "$3"
    if [ $? -ge 2 ]; then echo "$1: trawl scan failed" >>"$VERIFY"; return; fi
    { echo "$1:"; awk -f "$ROOT/bench/check-truth.awk" "$TRUTH" "$NEAR" "$hits" | sed 's/^/  /'; } >>"$VERIFY"
}
echo "== verifying hits against the planted truth"
verify "10k-plain" "$OUT/iocs-10k.tdb" "$CORPUS"
[ "$DO_GZ" = 1 ] && verify "10k-gz" "$OUT/iocs-10k.tdb" "$GZ"
case " $SETS " in *" 100k "*) verify "100k-plain" "$OUT/iocs-100k.tdb" "$CORPUS" ;; esac

# ---- report -----------------------------------------------------------------------------
target() { # label value op threshold
    local ok
    ok=$(awk -v v="$2" -v t="$4" -v op="$3" 'BEGIN { if (v == "ERR" || v == "-" || v == "") print "n/a";
         else if (op == ">=" ? v + 0 >= t + 0 : v + 0 <= t + 0) print "PASS"; else print "FAIL" }')
    printf '| %s | %s | %s %s | %s |\n' "$1" "$2" "$3" "$4" "$ok"
}
{
    echo
    echo "## trawl benchmark — $(date -u +%Y-%m-%d) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo
    echo "Corpus: $((BYTES / 1048576)) MiB of mixed logs (seed $SEED), planted from the 10k set;"
    echo "MB/s = 10^6 bytes per second (decompressed bytes for .gz), median of $RUNS interleaved runs,"
    echo "net of start-up (the same command on an empty input: pattern compilation, database load);"
    echo "build: $BUILD (${btype:-?}). grep, rg and yara read only the first $((SBYTES / 1000000)) MB"
    echo "(they are slow with many patterns; MB/s stays comparable). rg runs without -i: with many"
    echo "patterns \`rg -F -i\` falls back to a slow regex engine. At 1M yara and rg are skipped (their"
    echo "start-up takes minutes and many GB) and grep runs once."
    echo
    cat "$TABLE"
    echo
    echo "Targets:"
    echo
    echo "| target | measured | wanted | |"
    echo "|---|---|---|---|"
    has100k=0
    case " $SETS " in *" 100k "*) has100k=1 ;; esac
    if [ $has100k = 1 ]; then
        target "plain logs, 100k indicators, 1 core (MB/s)" "${RES[100k.trawl-j1]}" ">=" 1250
        # 1250 MB/s was set as 0.9 x a bare hs_scan of a 100k set measured at 1.39 GB/s
        [ -n "${RES[100k.hsbare]:-}" ] &&
            target "the same, vs a bare hs_scan of the set's literals on this corpus (${RES[100k.hsbare]} MB/s)" \
                "$(ratio "${RES[100k.trawl-j1]}" "${RES[100k.hsbare]}")" ">=" 0.9
        target "-j2 / -j1, 100k" "$(ratio "${RES[100k.trawl-j2]}" "${RES[100k.trawl-j1]}")" ">=" 1.9
        # the issue's wording ("1.25 GB/s on one core ... and >= 1.9x that with -j2") also
        # reads as an absolute floor for -j2
        target "plain logs, 100k indicators, -j2 (MB/s; 1.9 x 1250)" "${RES[100k.trawl-j2]}" ">=" 2375
        [ "$DO_GZ" = 1 ] && [ -n "${RES[100k.igzip]:-}" ] &&
            target ".gz, 2 cores, vs igzip -dc, 100k" "$(ratio "${RES[100k.trawl-gz-j2]}" "${RES[100k.igzip]}")" ">=" 0.9
    else
        echo "| (targets are stated for the 100k set, not measured in this run) | | | |"
    fi
    echo
    echo "Correctness (trawl hits vs planted truth; the 100k set contains the 10k set):"
    echo
    echo '```'
    cat "$VERIFY"
    echo '```'
    if [ ${#missing[@]} -gt 0 ]; then
        echo
        echo "Missing peers (skipped): ${missing[*]}"
    fi
} | tee "$OUT/report.md"
echo
echo "(report saved to $OUT/report.md)"
