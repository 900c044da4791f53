#!/usr/bin/env bash
# trawl bench tests: runs `trawl bench` for real on small sets and corpora and
# checks the report's structure and sanity bounds: the JSON keys, positive
# sizes and throughput, exact hit counts of planted benign values, 8.8.8.8 and
# google.com flagged noisy, a 2-byte string flagged costly, --compare counts,
# compile-on-the-fly mode with the generated corpus, gzip and pcap inputs,
# the text report, --help and usage errors. One line per check, "ok - NAME"
# or "not ok - NAME: DETAIL", then "N passed, M failed".
#
# Usage: run.sh   Environment: TRAWL_BIN (required).
# Needs only bash, coreutils, awk, grep, gzip: no jq, no python.
# shellcheck disable=SC2016 # awk programs in single quotes
set -u
export LC_ALL=C

TRAWL=${TRAWL_BIN:-}
if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-bench-test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
T0=$(date +%s)

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

TIMEOUT=$(command -v timeout || true)
RC=0
# t ARGS...: runs trawl (bounded in time), sets RC
t() {
    if [ -n "$TIMEOUT" ]; then "$TIMEOUT" 120 "$TRAWL" "$@"; else "$TRAWL" "$@"; fi
    RC=$?
}

# jnum FILE KEY: the first number after "KEY": in FILE
jnum() { grep -o "\"$2\": *[-0-9.e+]*" "$1" | head -1 | sed 's/.*: *//'; }
# jin FILE OBJECT KEY: the first number after "KEY": on the line of "OBJECT": {
jin() { grep "\"$2\": {" "$1" | grep -o "\"$3\": *[-0-9.e+]*" | head -1 | sed 's/.*: *//'; }
# positive NUMBER: true when NUMBER > 0
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }
# section FILE NAME: the lines of the JSON array "NAME": [ ... ] (one entry per line)
section() { awk -v k="\"$2\": [" 'index($0, k) { on = 1 } on { print } on && /\]/ { exit }' "$1"; }

# ---------------------------------------------------------------------------
# Inputs: a set with benign infrastructure, a 2-byte string and specific
# indicators; a corpus with known numbers of the benign values.

mkdir -p "$TMP/corpus"
cat >"$TMP/iocs.csv" <<'EOF'
type,value,tlp,severity,source
ipv4,8.8.8.8,green,high,test-sheet
domain,google.com,green,high,test-sheet
string,ab,green,low,test-sheet
ipv4,185.220.101.47,amber,high,test-sheet
domain,cloudsync-update-cdn.net,amber,high,test-sheet
url,http://files.qzx-dropper.top/dl/Setup_Update.msi,amber,critical,test-sheet
sha256,5b1f7d8e2a9c4f3e6d0b1a2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6,amber,high,test-sheet
email,billing@qzx-invoices.top,amber,medium,test-sheet
EOF
# the old version: no "ab", no e-mail, one indicator since removed
grep -v -e '^string,ab' -e '^email,' "$TMP/iocs.csv" >"$TMP/old.csv"
echo "domain,retired-c2-qzx.example,amber,high,test-sheet" >>"$TMP/old.csv"
# a clean set: nothing in it occurs in benign data
grep -e '^type' -e '185.220' -e 'cloudsync' -e 'qzx-dropper' -e '^sha256' "$TMP/iocs.csv" \
    >"$TMP/clean.csv"

# 3000 dnsmasq-style lines: 1000 forwards to 8.8.8.8, 1000 mentions of
# www.google.com (a subdomain hit of google.com), 1000 of other hosts; 500
# lines with "ab" in words (table, about...).
awk 'BEGIN {
    for (i = 0; i < 1000; i++) {
        printf "Nov 23 09:%02d:%02d gw dnsmasq[733]: forwarded host%d.example.org to 8.8.8.8\n", i % 60, i % 60, i
        printf "Nov 23 09:%02d:%02d gw dnsmasq[733]: query[A] www.google.com from 10.1.2.%d\n", i % 60, i % 60, i % 250
        printf "Nov 23 09:%02d:%02d gw dnsmasq[733]: reply cdn%d.example.net is 93.184.216.%d\n", i % 60, i % 60, i, i % 250
    }
    for (i = 0; i < 500; i++)
        printf "Nov 23 10:00:%02d web01 app[1]: see the table of contents %d\n", i % 60, i
}' >"$TMP/corpus/dns.log"
WANT_8888=1000
WANT_GOOGLE=1000
WANT_AB=500

t compile -q -o "$TMP/set.tdb" "$TMP/iocs.csv"
check "compile the test set" "exit $RC" test "$RC" -eq 0
t compile -q -o "$TMP/old.tdb" "$TMP/old.csv"
check "compile the old test set" "exit $RC" test "$RC" -eq 0
t compile -q -o "$TMP/clean.tdb" "$TMP/clean.csv"
check "compile the clean test set" "exit $RC" test "$RC" -eq 0

# ---------------------------------------------------------------------------
# --help and usage errors

help_checks() {
    t bench --help >"$TMP/help" 2>&1
    check "bench --help exits 0" "exit $RC" test "$RC" -eq 0
    check "bench --help has examples" "no 'example'" grep -q example "$TMP/help"
    check "bench --help documents --json and --compare" "missing" \
        grep -q -e '--compare' "$TMP/help"
    t --help >"$TMP/mainhelp" 2>&1
    check "trawl --help lists bench" "missing" grep -q '^  bench ' "$TMP/mainhelp"
    local args
    for args in "" "--frobnicate" "-d" "--corpus-size 0 -d $TMP/set.tdb" \
        "--runs zero -d $TMP/set.tdb" "--noise-threshold -1 -d $TMP/set.tdb" \
        "-j 0 -d $TMP/set.tdb" "--seed x -d $TMP/set.tdb"; do
        # shellcheck disable=SC2086 # split on purpose
        t bench $args >/dev/null 2>"$TMP/err"
        check "bench ${args:-(no arguments)}: usage error exits 2" "exit $RC" test "$RC" -eq 2
    done
    check "usage errors point to --help" "$(head -1 "$TMP/err")" grep -q -e "--help" "$TMP/err"
    t bench -q -d "$TMP/missing.tdb" "$TMP/corpus" >/dev/null 2>"$TMP/err"
    check "missing database exits 2" "exit $RC" test "$RC" -eq 2
    t bench -q --runs 1 --no-cost -d "$TMP/set.tdb" "$TMP/nonexistent-corpus" >/dev/null 2>"$TMP/err"
    check "empty or missing corpus exits 2" "exit $RC" test "$RC" -eq 2
    printf 'garbage that is not a database at all\n' >"$TMP/bad.tdb"
    t bench -q -d "$TMP/bad.tdb" >/dev/null 2>"$TMP/err"
    check "damaged database exits 2" "exit $RC" test "$RC" -eq 2
}

# ---------------------------------------------------------------------------
# A database vetted on a given corpus, with --compare

db_checks() {
    local j=$TMP/db.json
    t bench -q --json --runs 1 -d "$TMP/set.tdb" --compare "$TMP/old.tdb" "$TMP/corpus" >"$j" \
        2>"$TMP/db.err"
    check "bench -d --json exits 1 (indicators flagged)" "exit $RC: $(head -3 "$TMP/db.err")" \
        test "$RC" -eq 1
    local k missing=""
    for k in trawl_bench version hyperscan set compile sizes stream_state corpus throughput \
        noise cost recommendations compare flagged by_type peak_rss_bytes database_bytes \
        scratch_bytes mbps_1 mbps_all cpu_mbps_1 threshold_hits_per_mb top noisy groups costly \
        added removed added_examples removed_examples old_mbps_1 new_mbps_1; do
        grep -q "\"$k\":" "$j" || missing="$missing $k"
    done
    check "JSON report has every documented key" "missing:$missing" test -z "$missing"
    check "JSON report is balanced" "braces do not match" \
        awk '{ o += gsub(/[{[]/, "&"); c += gsub(/[]}]/, "&") } END { exit !(o == c && o > 0) }' "$j"
    check "JSON report ends with flagged: true" "$(tail -2 "$j" | head -1)" \
        grep -q '"flagged": true' "$j"
    check "indicators counted" "$(jnum "$j" indicators)" test "$(jnum "$j" indicators)" = 8
    local v
    for k in mbps_1 mbps_all cpu_mbps_1 database_bytes hyperscan_bytes scratch_bytes \
        peak_rss_bytes; do
        v=$(jnum "$j" "$k")
        check "$k is positive" "got '$v'" positive "$v"
    done
    v=$(jin "$j" stream_state bytes)
    check "stream state estimated for the literals" "got '$v'" positive "$v"
    v=$(jin "$j" corpus bytes)
    check "corpus bytes equal the file size" "got '$v'" \
        test "$v" = "$(wc -c <"$TMP/corpus/dns.log" | tr -d ' ')"
    check "corpus lines counted" "$(jin "$j" corpus lines)" test "$(jin "$j" corpus lines)" = 3500
    check "captures noted as scanned as traffic" "no note" grep -q 'scanned as network traffic' "$j"
    check "a corpus under 1 MiB is marked small" "missing" grep -q '"small": true' "$j"

    section "$j" top >"$TMP/top"
    check "top list: 8.8.8.8 hit exactly $WANT_8888 times" "$(grep 8.8.8.8 "$TMP/top")" \
        grep -q "\"value\":\"8.8.8.8\",\"hits\":$WANT_8888," "$TMP/top"
    check "top list: google.com hit exactly $WANT_GOOGLE times" "$(grep google "$TMP/top")" \
        grep -q "\"value\":\"google.com\",\"hits\":$WANT_GOOGLE," "$TMP/top"
    check "top list: ab hit at least $WANT_AB times" "$(grep '"ab"' "$TMP/top")" \
        awk -v w="$WANT_AB" -F'"hits":' '/"value":"ab"/ { split($2, a, ","); f = a[1] + 0 >= w } END { exit !f }' "$TMP/top"
    check "top list: specific indicators do not hit" "$(grep -c qzx "$TMP/top")" \
        test "$(grep -c -e qzx -e 185.220 -e cloudsync "$TMP/top")" -eq 0
    check "top list is sorted by hits" "not sorted" \
        awk -F'"hits":' 'NF > 1 { split($2, a, ","); if (n++ && a[1] + 0 > last) bad = 1; last = a[1] + 0 } END { exit bad }' "$TMP/top"

    section "$j" noisy >"$TMP/noisy"
    check "8.8.8.8 flagged noisy as a public resolver" "$(cat "$TMP/noisy")" \
        grep -q '"value":"8.8.8.8".*public DNS resolver' "$TMP/noisy"
    check "google.com flagged noisy" "$(cat "$TMP/noisy")" \
        grep -q '"value":"google.com"' "$TMP/noisy"
    check "specific indicators not flagged noisy" "$(grep -e qzx -e 185.220 "$TMP/noisy")" \
        test "$(grep -c -e qzx -e 185.220 -e cloudsync "$TMP/noisy")" -eq 0

    section "$j" costly >"$TMP/costly"
    check "2-byte string ab flagged costly" "$(cat "$TMP/costly")" \
        grep -q '"value":"ab".*"reason":"2-byte string' "$TMP/costly"
    check "ab priced by a run without it" "$(grep '"ab"' "$TMP/costly")" \
        grep -q '"value":"ab".*"cpu_mbps_without":[0-9]' "$TMP/costly"
    check "only ab is costly" "$(jnum "$j" costly_count)" test "$(jnum "$j" costly_count)" = 1
    section "$j" groups >"$TMP/groups"
    check "cost measured for the string group" "$(grep string "$TMP/groups")" \
        grep -q '"group":"string","indicators":1,"cpu_mbps_with":[0-9]' "$TMP/groups"
    check "cost measured for the short-literals group" "$(grep short "$TMP/groups")" \
        grep -q '"group":"short-literals","indicators":1,' "$TMP/groups"

    section "$j" recommendations >"$TMP/recs"
    check "recommendation: lengthen ab" "$(cat "$TMP/recs")" \
        grep -q "remove or lengthen string 'ab' (2 bytes)" "$TMP/recs"
    check "recommendation: 8.8.8.8 to an allowlist" "$(cat "$TMP/recs")" \
        grep -q '8.8.8.8 is a public DNS resolver.*allowlist' "$TMP/recs"
    check "recommendation: google.com" "$(cat "$TMP/recs")" grep -q 'google.com' "$TMP/recs"

    check "compare: 2 added" "$(grep '"added":' "$j")" grep -q '"added": 2,' "$j"
    check "compare: 1 removed" "$(grep '"removed":' "$j")" grep -q '"removed": 1,' "$j"
    check "compare: removed example" "missing" \
        grep -q '"removed_examples": \[{"type":"domain","value":"retired-c2-qzx.example"}' "$j"
    check "compare: added examples" "missing" \
        grep -q '"added_examples": \[.*"value":"ab".*"value":"billing@qzx-invoices.top"' "$j"
    for k in old_mbps_1 new_mbps_1 old_mbps_all new_mbps_all; do
        v=$(jnum "$j" "$k")
        check "compare: $k is positive" "got '$v'" positive "$v"
    done

    # the same corpus gzip-compressed (the stream path) gives the same counts
    mkdir -p "$TMP/gz"
    gzip -c "$TMP/corpus/dns.log" >"$TMP/gz/dns.log.gz"
    printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
        >"$TMP/gz/capture.pcap"
    t bench -q --json --runs 1 --no-cost -d "$TMP/set.tdb" "$TMP/gz" >"$TMP/gz.json" 2>/dev/null
    check "gzip corpus: exits 1" "exit $RC" test "$RC" -eq 1
    check "gzip corpus: same 8.8.8.8 count" "$(section "$TMP/gz.json" top | grep 8.8.8.8)" \
        grep -q "\"value\":\"8.8.8.8\",\"hits\":$WANT_8888," "$TMP/gz.json"
    check "gzip corpus: same total hits" \
        "$(jin "$TMP/gz.json" throughput hits) vs $(jin "$j" throughput hits)" \
        test "$(jin "$TMP/gz.json" throughput hits)" = "$(jin "$j" throughput hits)"
    check "a capture in the corpus is read as traffic, not skipped" \
        "$(jnum "$TMP/gz.json" pcap_skipped)" test "$(jnum "$TMP/gz.json" pcap_skipped)" = 0
    check "--no-cost: cost not measured" "missing" grep -q '"cost": {"measured": false' \
        "$TMP/gz.json"
    check "--no-cost: ab still flagged costly by rule" "missing" \
        grep -q '"value":"ab".*"reason":"2-byte string' "$TMP/gz.json"
}

# ---------------------------------------------------------------------------
# Compile on the fly, the generated corpus, the text report, a clean set

fly_checks() {
    local j=$TMP/fly.json
    t bench -q --json --runs 1 --no-cost --corpus-size 2 --save-corpus "$TMP/gen1.log" \
        "$TMP/iocs.csv" >"$j" 2>"$TMP/fly.err"
    check "compile on the fly: exits 1" "exit $RC: $(head -3 "$TMP/fly.err")" test "$RC" -eq 1
    check "compile on the fly: source is compiled" "missing" \
        grep -q '"set": {"source": "compiled", "path": null, "inputs": \[".*iocs.csv"\]' "$j"
    check "compile on the fly: compile measured as load+compile" "missing" \
        grep -q '"compile": {"measured": "load+compile"' "$j"
    check "generated corpus: kind generated" "missing" grep -q '"kind": "generated"' "$j"
    local v
    v=$(jin "$j" corpus bytes)
    check "generated corpus: 2 MiB of logs and some traffic" "got '$v'" \
        awk -v v="$v" 'BEGIN { exit !(v > 2097152 && v < 2600000) }'
    check "generated corpus of 2 MiB is not small" "missing" grep -q '"small": false' "$j"
    check "generated corpus saved: logs and a capture" "size $(wc -c <"$TMP/gen1.log")" \
        test "$(wc -c <"$TMP/gen1.log" | tr -d ' ')" -lt "$v" -a -s "$TMP/gen1.log.pcap"
    for v in 8.8.8.8 google.com; do
        check "generated corpus: $v flagged noisy with hits" "$(section "$j" noisy | grep -F "\"$v\"")" \
            grep -q "\"value\":\"$v\",\"hits\":[1-9]" <(section "$j" noisy)
    done
    check "generated corpus: specific indicators do not hit" "hits on them" \
        test "$(section "$j" top | grep -c -e qzx -e 185.220 -e cloudsync)" -eq 0
    t bench -q --runs 1 --no-cost --corpus-size 2 --save-corpus "$TMP/gen2.log" \
        "$TMP/clean.csv" >"$TMP/clean.txt" 2>&1
    check "clean set: exits 0 (nothing flagged)" "exit $RC" test "$RC" -eq 0
    check "generated corpus is deterministic" "differs" cmp -s "$TMP/gen1.log" "$TMP/gen2.log"
    check "clean set: no recommendations" "$(sed -n '/^Recommendations/,$p' "$TMP/clean.txt")" \
        grep -q 'none: no indicator was flagged' "$TMP/clean.txt"
    t bench -q --runs 1 --corpus-size 1 --seed 7 -d "$TMP/set.tdb" >"$TMP/report.txt" 2>&1
    check "text report: exits 1" "exit $RC" test "$RC" -eq 1
    local s missing=""
    for s in Set "Compile and memory" Corpus Throughput "Noise:" "Cost:" Recommendations; do
        grep -q "^$s" "$TMP/report.txt" || missing="$missing '$s'"
    done
    check "text report has every section" "missing:$missing" test -z "$missing"
    check "text report names 8.8.8.8 noisy" "missing" grep -q '8.8.8.8.*\[noisy\]' "$TMP/report.txt"
    check "text report prices the groups" "missing" grep -q '^  string .*%$' "$TMP/report.txt"
    check "text report has no escape codes when not a terminal" "found ESC" \
        test "$(grep -c $'\033' "$TMP/report.txt")" -eq 0
}

{
    help_checks
    db_checks
    fly_checks
} | tee "$TMP/log"

echo "# bench tests took $(($(date +%s) - T0)) s"
tap_summary "$TMP/log"
