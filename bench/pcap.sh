#!/usr/bin/env bash
# bench/pcap.sh — offline capture throughput of `trawl scan` (decode, flows with TCP
# reassembly, DNS/HTTP/TLS fields, matching) in packets/s and Gbit/s, with 1k and 100k
# indicators, on a generated traffic mix (trawl-pcapgen), against libpcap reading alone
# (trawl-pcapread): -j1 (one core, no thread) and -jN (flows spread over N workers by a
# symmetric hash, one reader thread) in the same run, with the -jN/-j1 speed-up.
# Medians of N interleaved runs, wall and CPU time, net of start-up.
# Everything it generates goes to bench/out/ (gitignored). See bench/README.md.
set -uo pipefail

usage() {
    cat <<'EOF'
usage: bench/pcap.sh [--packets N] [--runs N] [--sets "1k 100k"] [--threads "1 2"]

  --packets N     packets in the generated capture (default 1000000)
  --runs N        runs per measurement, the median is reported (default 3)
  --sets LIST     indicator set sizes (default "1k 100k")
  --threads LIST  trawl scan -j values (default "1 2"; speed-ups are against the first)

Environment: TRAWL_BUILD (default ./build) is the Meson build directory; it is set up
(release) and built if needed. TRAWL_BENCH_OUT (default bench/out) takes the data and
the report.
EOF
}

PKTS=1000000
RUNS=3
SETS="1k 100k"
THREADS="1 2"
while [ $# -gt 0 ]; do
    case "$1" in
    --packets) PKTS="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --sets) SETS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "pcap.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TRAWL_BUILD:-$ROOT/build}
OUT=${TRAWL_BENCH_OUT:-$ROOT/bench/out}
SEED=1
mkdir -p "$OUT"
die() { echo "pcap.sh: $*" >&2; exit 2; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---- build ------------------------------------------------------------------------------
{ have meson && have ninja; } || die "meson and ninja are needed (apt-get install meson ninja-build)"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" -Dbuildtype=release >"$OUT/meson-setup.log" 2>&1 ||
        die "meson setup failed, see $OUT/meson-setup.log"
fi
ninja -C "$BUILD" tools/trawl bench/trawl-gen bench/trawl-pcapgen bench/trawl-pcapread \
    >"$OUT/ninja.log" 2>&1 || die "build failed, see $OUT/ninja.log"
TRAWL=$BUILD/tools/trawl
GEN=$BUILD/bench/trawl-gen
PCAPGEN=$BUILD/bench/trawl-pcapgen
PCAPREAD=$BUILD/bench/trawl-pcapread
btype=$(meson introspect --buildoptions "$BUILD" 2>/dev/null |
    grep -o '"name": "buildtype", "value": "[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"')

# ---- data -------------------------------------------------------------------------------
fresh() { # FILE DEP...: FILE exists and is newer than every DEP
    local f=$1; shift
    [ -s "$f" ] || return 1
    local d
    for d in "$@"; do [ "$f" -nt "$d" ] || return 1; done
}
echo "== generating data in $OUT"
for s in 1k $SETS; do
    csv=$OUT/net-iocs-$s.csv
    fresh "$csv" "$GEN" || "$GEN" iocs --count "$s" --seed $SEED -o "$csv" ||
        die "trawl-gen iocs failed"
done
# Planted from the 1k set; the sets are nested (the first N rows of a larger set), so every
# set finds the same hits.
CAP=$OUT/net-$PKTS.pcap
if ! fresh "$CAP" "$PCAPGEN" "$OUT/net-iocs-1k.csv"; then
    "$PCAPGEN" --packets "$PKTS" --seed $SEED --iocs "$OUT/net-iocs-1k.csv" -o "$CAP" ||
        die "trawl-pcapgen failed"
fi
EMPTY=$OUT/net-empty.pcap
head -c 24 "$CAP" >"$EMPTY"
for s in $SETS; do
    tdb=$OUT/net-iocs-$s.tdb
    if ! fresh "$tdb" "$OUT/net-iocs-$s.csv" "$TRAWL"; then
        echo "   compiling $s indicators"
        "$TRAWL" compile -q -o "$tdb" --format csv "$OUT/net-iocs-$s.csv" \
            >"$OUT/net-compile-$s.log" 2>&1
        [ $? -ge 2 ] && die "trawl compile failed for $s, see $OUT/net-compile-$s.log"
    fi
done

# ---- measuring --------------------------------------------------------------------------
# "WALL CPU" seconds of one command (CPU = user + sys of the process and its threads).
# bash's `time` hides the exit status: run_status checks each command once beforehand.
timeit() {
    local t
    t=$( {
        TIMEFORMAT='%R %U %S'
        time "$@" >/dev/null 2>&1
    } 2>&1)
    echo "$t" | awk '{ printf "%.4f %.4f\n", $1, $2 + $3 }'
}
# run_status CMD...: dies unless CMD exits 0 (hits) or 1 (no hits)
run_status() {
    "$@" >/dev/null 2>"$OUT/last.err"
    local rc=$?
    [ $rc -lt 2 ] || die "'$*' failed ($rc): $(head -c 300 "$OUT/last.err")"
}
median() { # column N of stdin
    awk -v c="$1" '{ v[NR] = $c }
        END { n = NR; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                  if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
              print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

read -r NPK BYTES _ _ < <("$PCAPREAD" "$CAP") || die "trawl-pcapread failed"
cat "$CAP" >/dev/null
J1=${THREADS%% *}
for s in $SETS; do
    run_status "$TRAWL" scan -q --max-tlp red -d "$OUT/net-iocs-$s.tdb" -j1 -o /dev/null "$CAP"
done
# the hits must not depend on -j (only the wall-clock timestamp may differ)
last=${SETS##* }
for j in $THREADS; do
    "$TRAWL" scan -q --max-tlp red -d "$OUT/net-iocs-$last.tdb" -j"$j" "$CAP" |
        sed -e 's/"timestamp":"[^"]*",//' | sort >"$OUT/net-hits-j$j.jsonl"
    cmp -s "$OUT/net-hits-j$J1.jsonl" "$OUT/net-hits-j$j.jsonl" ||
        die "-j$j does not give the hits of -j$J1 (see $OUT/net-hits-j*.jsonl)"
done

declare -A W C
: >"$OUT/net-runs.txt"
for ((r = 0; r < RUNS; r++)); do
    echo "   round $((r + 1))/$RUNS"
    echo "read $(set -- $("$PCAPREAD" "$CAP"); echo "$4 $3")" >>"$OUT/net-runs.txt"
    for s in $SETS; do
        tdb=$OUT/net-iocs-$s.tdb
        for j in $THREADS; do
            echo "scan-$s-j$j $(timeit "$TRAWL" scan -q --max-tlp red -d "$tdb" -j"$j" -o /dev/null "$CAP")" \
                >>"$OUT/net-runs.txt"
            echo "start-$s-j$j $(timeit "$TRAWL" scan -q --max-tlp red -d "$tdb" -j"$j" -o /dev/null "$EMPTY")" \
                >>"$OUT/net-runs.txt"
        done
    done
done
for k in read $(for s in $SETS; do for j in $THREADS; do echo "scan-$s-j$j start-$s-j$j"; done; done); do
    W[$k]=$(awk -v k="$k" '$1 == k { print $2 }' "$OUT/net-runs.txt" | median 1)
    C[$k]=$(awk -v k="$k" '$1 == k { print $3 }' "$OUT/net-runs.txt" | median 1)
done

# rate SECONDS [START]: "Mpps Gbit/s" over the capture, net of START
rate() {
    awk -v p="$NPK" -v b="$BYTES" -v t="$1" -v s="${2:-0}" 'BEGIN {
        d = t - s; if (d < t / 20) d = t / 20
        printf "%.2f %.2f\n", p / d / 1e6, b * 8 / d / 1e9 }'
}
REPORT=$OUT/pcap-report.md
{
    echo "## trawl scan of a capture, -j$(echo "$THREADS" | sed 's/ /, -j/g') ($(date -u +%Y-%m-%d), build: ${btype:-unknown})"
    echo
    echo "Capture: $NPK packets, $(awk -v b="$BYTES" -v p="$NPK" 'BEGIN { printf "%.0f MB, %.0f B/frame", b / 1e6, b / p }')" \
        "(trawl-pcapgen --seed $SEED: HTTP, TLS, other TCP, DNS, other UDP; 1 in 50 segments" \
        "out of order). $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg). Medians of $RUNS runs."
    echo
    echo "| what | Mpps (wall) | Mpps (CPU) | Gbit/s (CPU) | start-up s (CPU) | vs 1 Mpps target (CPU) | vs libpcap alone (CPU) | vs -j$J1 (wall) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    read -r rw _ < <(rate "${W[read]}")
    read -r rc rg < <(rate "${C[read]}")
    echo "| libpcap reading alone (trawl-pcapread) | $rw | $rc | $rg | - | - | 1.00 | - |"
    for s in $SETS; do
        read -r s1 _ < <(rate "${W[scan-$s-j$J1]}" "${W[start-$s-j$J1]}")
        for j in $THREADS; do
            read -r sw _ < <(rate "${W[scan-$s-j$j]}" "${W[start-$s-j$j]}")
            read -r sc sg < <(rate "${C[scan-$s-j$j]}" "${C[start-$s-j$j]}")
            echo "| trawl scan -j$j, $s indicators | $sw | $sc | $sg | ${C[start-$s-j$j]} |" \
                "$(awk -v a="$sc" 'BEGIN { printf "%.2f", a / 1.0 }') |" \
                "$(awk -v a="$sc" -v b="$rc" 'BEGIN { printf "%.2f", a / b }') |" \
                "$(awk -v a="$sw" -v b="$s1" 'BEGIN { printf "%.2f", a / b }') |"
        done
    done
    echo
    echo "Mpps (wall) is the throughput; Mpps (CPU) is packets per CPU-second (per core), so with"
    echo "-jN it also counts the reader thread and the hand-over. vs -j$J1 (wall): the speed-up."
    echo "Hits ($last set): $(wc -l <"$OUT/net-hits-j$J1.jsonl"), the same for every -j."
} >"$REPORT"
cat "$REPORT"
