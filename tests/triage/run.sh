#!/usr/bin/env bash
# trawl triage tests: drives the real binary over the crafted hit sets in
# tests/triage/hits/ (one per triage level, sorting, the report, malformed
# lines, duplicates), a Redis stream on a private redis-server, and the sample
# data end to end (compile + scan + triage). One line per check, "ok - NAME"
# or "not ok - NAME: DETAIL", then "N passed, M failed[, K skipped]".
#
# Usage: run.sh [TRIAGE_DIR]   (meson passes its source dir)
# Environment: TRAWL_BIN (required), TRAWL_SRCDIR (for sample/).
# Needs bash, coreutils, awk, grep, sed; redis-server and redis-cli for the
# Redis checks (skipped without them). No jq, no python.
set -u
export LC_ALL=C

DIR=${1:-$(cd "$(dirname "$0")" && pwd)}
DIR=$(cd "$DIR" && pwd)
HITS=$DIR/hits
TRAWL=${TRAWL_BIN:-}
SRCDIR=${TRAWL_SRCDIR:-$(cd "$DIR/../.." && pwd)}
if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
fi
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")

# shellcheck source=tests/lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ports.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-triage.XXXXXX") || exit 2
REDIS_PID=
cleanup() {
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    fi
    release_port
    rm -rf "$TMP"
}
trap cleanup EXIT

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
# check NAME DETAIL COMMAND...: ok when COMMAND succeeds

# t ARGS...: runs trawl triage; stdout in $TMP/out, stderr in $TMP/err, status in RC
t() {
    (cd "$HITS" && "$TRAWL" triage "$@") >"$TMP/out" 2>"$TMP/err"
    RC=$?
}
# rows: the indicator table's data rows (LEVEL SEVERITY ... INDICATOR SOURCES)
rows() { awk '/^BY INDICATOR/ { on = 1; getline; next } /^$/ { on = 0 } on' "$TMP/out"; }
# level_of VALUE: the level of VALUE's row in the indicator table
level_of() { rows | awk -v v="$1" '$12 == v { print $1 }'; }
has() { grep -qF -- "$1" "$2"; }

# ---- one hit set per level ------------------------------------------------

t lone_medium.jsonl
check "lone medium hit is level 1" "got '$(level_of lone.example.net)'" \
    test "$(level_of lone.example.net)" = 1
check "level 1 exits 0" "exit $RC" test "$RC" = 0

t two_files.jsonl
check "low indicator in two files is level 2" "got '$(level_of spread.example.net)'" \
    test "$(level_of spread.example.net)" = 2
check "hosts counts distinct files" "$(rows)" \
    test "$(rows | awk '{ print $5 "/" $6 }')" = "3/2"
check "first/last seen are the min/max over the hits" "$(rows)" \
    test "$(rows | awk '{ print $7 " " $8 "|" $9 " " $10 }')" = \
    "2026-11-22 23:59:59|2026-11-23 09:05:00"

t high.jsonl
check "high severity is level 2" "got '$(level_of 198.51.100.23)'" \
    test "$(level_of 198.51.100.23)" = 2

t critical.jsonl
check "critical severity is level 3" "got '$(level_of 0123456789abcdef0123456789abcdef)'" \
    test "$(level_of 0123456789abcdef0123456789abcdef)" = 3

t many_hosts.jsonl
check "10 source addresses reach the crisis threshold" "got '$(level_of 203.0.113.66)'" \
    test "$(level_of 203.0.113.66)" = 3
check "the indicator's own address is not an affected host" "$(rows)" \
    test "$(rows | awk '{ print $6 }')" = 10

t --crisis-hosts 11 many_hosts.jsonl
check "--crisis-hosts 11 brings it down to level 2" "got '$(level_of 203.0.113.66)'" \
    test "$(level_of 203.0.113.66)" = 2
t --investigate-hosts 11 --crisis-hosts 20 many_hosts.jsonl
check "--investigate-hosts 11 brings it down to level 1" "got '$(level_of 203.0.113.66)'" \
    test "$(level_of 203.0.113.66)" = 1
t --investigate-hosts 1 lone_medium.jsonl
check "--investigate-hosts 1 lifts a lone hit to level 2" "got '$(level_of lone.example.net)'" \
    test "$(level_of lone.example.net)" = 2
t --crisis-hosts 2 two_files.jsonl
check "--crisis-hosts 2 lifts two files to level 3" "got '$(level_of spread.example.net)'" \
    test "$(level_of spread.example.net)" = 3
t --investigate-hits 3 two_files.jsonl --investigate-hosts 5
check "--investigate-hits 3 keeps 3 hits at level 2" "got '$(level_of spread.example.net)'" \
    test "$(level_of spread.example.net)" = 2
t --investigate-hosts 5 two_files.jsonl
check "without --investigate-hits, 2 files under --investigate-hosts 5 is level 1" \
    "got '$(level_of spread.example.net)'" test "$(level_of spread.example.net)" = 1

# ---- order and the source rollup ------------------------------------------

t mixed.jsonl
order=$(rows | awk '{ printf "%s ", $12 }')
want="crit.example.org high-two.example.org high-one.example.org med-three.example.org "
want+="med-lone.example.org low-lone.example.org "
check "sorted by level, severity, hosts, hits" "got '$order'" test "$order" = "$want"
check "sources of an indicator are unioned" "$(rows | grep med-three)" \
    has "DS-A, DS-B" <(rows | grep med-three)
src=$(awk '/^BY SOURCE/ { on = 1; getline; next } on { print $1 ":" $5 ":" $6 ":" $7 ":" $NF }' \
    "$TMP/out" | tr '\n' ' ')
check "by-source rollup: level, hits, hosts, indicators" "got '$src'" \
    test "$src" = "3:4:3:2:DS-A 2:4:2:3:DS-B 1:3:1:2:DS-C "
t --min-level 2 mixed.jsonl
check "--min-level 2 hides level 1 groups" "$(rows | awk '{ print $12 }' | tr '\n' ' ')" \
    test "$(rows | grep -c .)" = 4

# ---- JSON -----------------------------------------------------------------

t --json mixed.jsonl
check "--json is one document on one line" "$(wc -l <"$TMP/out") lines" \
    test "$(wc -l <"$TMP/out")" = 1
check "--json has groups, sources and totals" "$(head -c 300 "$TMP/out")" \
    grep -q '^{"version":1,"thresholds":{.*},"totals":{.*},"groups":\[{.*}\],"sources":\[{.*}\]}$' \
    "$TMP/out"
jorder=$(grep -o '"indicator":"[^"]*"' "$TMP/out" | sed 's/.*:"//; s/"$//' | tr '\n' ' ')
check "--json groups in triage order" "got '$jorder'" test "$jorder" = "$want"
check "--json group fields" "$(head -c 600 "$TMP/out")" grep -qF \
    '"groups":[{"level":3,"level_name":"crisis","severity":"critical","tlp":"amber","hits":1,"hosts":1,"first_seen":"2026-11-23T09:00:00.000000+0000","last_seen":"2026-11-23T09:00:00.000000+0000","type":"domain","indicator":"crit.example.org","sources":["DS-A"],"addresses":[],"files":["logs/a.log"]' \
    "$TMP/out"
check "--json totals" "$(grep -o '"totals":{[^}]*}' "$TMP/out")" grep -qF \
    '"totals":{"hits":10,"indicators":6,"sources":3,"hosts":3,' "$TMP/out"
check "--json levels count" "$(grep -o '"levels":{[^}]*}' "$TMP/out")" grep -qF \
    '"levels":{"3":1,"2":3,"1":2}' "$TMP/out"
check "--json sources rollup" "$(grep -o '"sources":\[{.*' "$TMP/out")" grep -qF \
    '{"level":3,"level_name":"crisis","severity":"critical","tlp":"amber","hits":4,"hosts":3,"indicators":2,' \
    "$TMP/out"
t --json -o "$TMP/q.json" mixed.jsonl
check "-o writes the JSON to a file" "$(head -c 100 "$TMP/q.json" 2>&1)" \
    test "$RC" = 0 -a ! -s "$TMP/out" -a -s "$TMP/q.json"

# ---- report ---------------------------------------------------------------

t --report "$TMP/r.md" report.jsonl
R=$TMP/r.md
check "report written, exit 0" "exit $RC: $(cat "$TMP/err")" test "$RC" = 0 -a -s "$R"
check "report banner is the strictest TLP (RED)" "$(head -1 "$R")" \
    grep -q '^\*\*TLP:RED\*\* For the eyes and ears of individual recipients only' <(head -1 "$R")
check "report ends with the TLP label too" "$(tail -1 "$R")" \
    grep -q '^\*\*TLP:RED\*\*' <(tail -1 "$R")
check "report labels each indicator with its TLP" "$(grep -c '^- \*\*TLP:' "$R")" \
    test "$(grep -c '^- \*\*TLP:' "$R")" = 3
check "report RED indicator labelled" "" grep -qF -- '- **TLP:RED**, severity high' "$R"
check "report of RED content is private (0600)" "$(stat -c %a "$R")" \
    test "$(stat -c %a "$R")" = 600
check "report period: first and last seen" "$(grep Period "$R")" grep -qF \
    '| Period (first seen to last seen, UTC) | 2026-11-23T07:00:00.000000+0000 to 2026-11-23T11:45:00.000000+0000 |' \
    "$R"
check "report highest level" "$(grep 'Highest level' "$R")" grep -qF '| Highest level | **3**' "$R"
for v in '`payload.bad-cdn.example` | FQDN | indicator' '`192.0.2.80` | IP | indicator' \
    '`c2.bad-cdn.example` | FQDN' '`10.1.2.3` | IP | address seen in traffic'; do
    check "report lists IP/FQDN: $v" "" grep -qF -- "| $v" "$R"
done
check "report lists affected files" "" grep -qF -- '- Files: `logs/dns.log`, `logs/dns.log.1`' "$R"
check "report per-indicator first seen (pcap_ts preferred)" "" \
    grep -qF -- '- First seen: 2026-11-23T08:14:59.125000+0000' "$R"
check "report counts aggregated hits (count)" "" grep -qF -- '- Hits: 6 on 2 host(s)/file(s)' "$R"
check "report extract with file:line" "" grep -qF -- '`logs/proxy.log` line 42:' "$R"
check "report extract text in a code block" "" grep -qxF -- \
    '1763885700.250 10.1.2.3 GET https://payload.bad-cdn.example/stage2.bin - DIRECT/192.0.2.80 `tick`' \
    "$R"
check "report extract of a network hit names the flow" "" grep -qF -- '`10.1.2.3 -> 192.0.2.80`:' "$R"
check "report extracts are fenced" "$(grep -c '^```text$' "$R") fences" \
    test "$(grep -c '^```text$' "$R")" = 4
check "report has the by-source table" "" \
    grep -qF '| CERT-FR-2026-ACT-099 | 3 | critical | TLP:AMBER | 2 | 7 | 3 |' "$R"

t --report "$TMP/g.md" report_green.jsonl
check "report of GREEN content is labelled GREEN" "$(head -1 "$TMP/g.md")" \
    grep -q '^\*\*TLP:GREEN\*\*' <(head -1 "$TMP/g.md")
t --max-tlp amber --report "$TMP/m.md" report.jsonl
check "--max-tlp amber leaves RED hits out of the report" "$(head -1 "$TMP/m.md")" \
    grep -q '^\*\*TLP:AMBER\*\*' <(head -1 "$TMP/m.md")
check "--max-tlp: withheld hits are only counted" "" \
    test "$(grep -c '192.0.2.80\|PARTNER-RED' "$TMP/m.md")" = 1 # the context of the url hit
check "--max-tlp: the report says what was withheld" "" grep -qF '| Withheld | 1 hit(s) above TLP:AMBER' \
    "$TMP/m.md"

# ---- input handling -------------------------------------------------------

t malformed.jsonl
check "malformed lines: exit 2" "exit $RC" test "$RC" = 2
check "malformed lines: good lines still triaged" "$(rows | grep -c .) rows" \
    test "$(rows | grep -c .)" = 3
for l in '2: invalid JSON at column' '3: no "ioc" object' \
    '5: missing or unknown "ioc.severity"' '6: bad "timestamp"' '7: invalid JSON at column' \
    '9: not a JSON object'; do
    check "malformed reported as malformed.jsonl:$l" "$(cat "$TMP/err")" \
        grep -qF "trawl: malformed.jsonl:$l" "$TMP/err"
done
check "blank lines and non-hit records are not errors" "$(tail -1 "$TMP/err")" \
    grep -qF '1 non-hit record(s) ignored, 6 malformed line(s)' "$TMP/err"

t duplicates.jsonl
check "a hit_id read twice counts once" "$(rows)" test "$(rows | awk '{ print $5 }')" = 2
check "duplicates are reported" "$(cat "$TMP/err")" grep -qF '2 duplicate(s) dropped' "$TMP/err"

(cd "$HITS" && "$TRAWL" triage - <critical.jsonl) >"$TMP/out" 2>"$TMP/err"
check "reads standard input" "$(cat "$TMP/err")" test "$(level_of 0123456789abcdef0123456789abcdef)" = 3
t lone_medium.jsonl critical.jsonl two_files.jsonl
check "several inputs are triaged together" "$(rows | grep -c .)" test "$(rows | grep -c .)" = 3
t does-not-exist.jsonl
check "unreadable input: exit 2 and a message" "exit $RC: $(cat "$TMP/err")" \
    grep -q "does-not-exist.jsonl: cannot open" "$TMP/err"

# ---- command line ---------------------------------------------------------

t --help
check "--help exits 0" "exit $RC" test "$RC" = 0
check "--help has examples" "" grep -q '^examples:' "$TMP/out"
check "--help explains the levels" "" grep -q '3 crisis' "$TMP/out"
t --frobnicate x.jsonl
check "unknown option exits 2" "exit $RC" test "$RC" = 2
check "unknown option names --help" "$(cat "$TMP/err")" grep -q "trawl triage --help" "$TMP/err"
t
check "no input exits 2" "exit $RC" test "$RC" = 2
t --crisis-hosts 0 lone_medium.jsonl
check "--crisis-hosts 0 is refused" "exit $RC" test "$RC" = 2
t --investigate-hosts 20 lone_medium.jsonl
check "--investigate-hosts above --crisis-hosts is refused" "exit $RC" test "$RC" = 2
t --max-tlp purple lone_medium.jsonl
check "unknown TLP is refused" "exit $RC" test "$RC" = 2
"$TRAWL" --help | grep -q '^  triage ' && ok "trawl --help lists triage" ||
    notok "trawl --help lists triage" "missing"

# the sample data, compiled and scanned once (used by the Redis and end-to-end checks)
HAVE_SAMPLE=
if [ -d "$SRCDIR/sample/datasheets" ]; then
    (cd "$SRCDIR" && "$TRAWL" compile -o "$TMP/s.tdb" sample/datasheets/* >/dev/null 2>&1 &&
        "$TRAWL" scan -q -d "$TMP/s.tdb" sample/logs >"$TMP/sample.jsonl")
    check "sample: compile + scan" "$(wc -l <"$TMP/sample.jsonl") hits" test -s "$TMP/sample.jsonl"
    HAVE_SAMPLE=1
fi

# ---- Redis stream ---------------------------------------------------------

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    skip "redis stream input" "skipped: redis-server/redis-cli not installed"
else
    # a free loopback port (tests/lib/ports.sh); another one if a server of
    # another suite takes it before ours binds it
    port='' up=''
    for _ in 1 2 3 4 5; do
        port=$(free_port) || port=6397
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
            >"$TMP/redis.log" 2>&1 &
        REDIS_PID=$!
        for _ in $(seq 50); do
            redis_is "$port" "$REDIS_PID" && up=1 && break
            kill -0 "$REDIS_PID" 2>/dev/null || break # did not bind: exited
            sleep 0.1
        done
        [ -n "$up" ] && break
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=
    done
    if [ -z "$up" ]; then
        notok "redis-server starts" "$(tail -3 "$TMP/redis.log")"
    else
        # 2500 entries (three XRANGE pages): the many_hosts hits once each, then
        # the mixed set, then a crafted tail; RESP written with awk, loaded by --pipe
        {
            cat "$HITS/many_hosts.jsonl" "$HITS/mixed.jsonl"
            for i in $(seq 2480); do
                printf '{"timestamp":"2026-11-23T12:00:00+0000","event_type":"ioc","ioc":{"id":9,"value":"bulk.example.net","type":"domain","tlp":"green","severity":"low","sources":["BULK"]},"file":"logs/bulk-%d.log","line":%d,"context":"bulk"}\n' \
                    $((i % 7)) "$i"
            done
        } | awk '{ printf "*5\r\n$4\r\nXADD\r\n$10\r\ntrawl:hits\r\n$1\r\n*\r\n$4\r\njson\r\n$%d\r\n%s\r\n", length($0), $0 }' |
            redis-cli -p "$port" --pipe >"$TMP/pipe.log" 2>&1
        redis-cli -p "$port" XADD trawl:hits '*' other field >/dev/null
        n=$(redis-cli -p "$port" XLEN trawl:hits)
        check "redis fixture loaded" "XLEN $n: $(cat "$TMP/pipe.log")" test "$n" = 2501
        t redis://127.0.0.1:$port/trawl:hits
        check "redis: all pages read" "$(tail -1 "$TMP/err")" \
            grep -qF "trawl: 2500 hit(s), 8 indicator(s)" "$TMP/err"
        check "redis: levels as from the files" "$(rows | head -3)" \
            test "$(level_of 203.0.113.66):$(level_of bulk.example.net):$(level_of low-lone.example.org)" = "3:2:1"
        check "redis: entry without \"json\" reported, exit 2" "exit $RC: $(head -3 "$TMP/err")" \
            grep -q "trawl: redis://127.0.0.1:$port/trawl:hits#[0-9]*-[0-9]*: no \"json\" field" "$TMP/err"
        check "redis: bulk indicator hosts = 7 files" "$(rows | grep bulk)" \
            test "$(rows | awk '$12 == "bulk.example.net" { print $5 ":" $6 }')" = "2480:7"
        if [ -n "$HAVE_SAMPLE" ]; then # the real sink, then triage of the stream
            nh=$(wc -l <"$TMP/sample.jsonl")
            (cd "$SRCDIR" && "$TRAWL" scan -q -d "$TMP/s.tdb" \
                --sink "redis://127.0.0.1:$port/e2e:hits" sample/logs) 2>"$TMP/err"
            check "redis: trawl scan --sink redis:// fills the stream" "$(cat "$TMP/err")" \
                test "$(redis-cli -p "$port" XLEN e2e:hits)" = "$nh"
            t "redis://127.0.0.1:$port/e2e:hits" "$TMP/sample.jsonl"
            check "redis: stream + JSONL of the same scan: each hit once" "$(tail -1 "$TMP/err")" \
                grep -q "^trawl: $nh hit(s), .*, $nh duplicate(s) dropped, 0 malformed" "$TMP/err"
        fi
        t redis://127.0.0.1:$port/no-such-stream
        check "redis: a missing stream is a warning" "exit $RC: $(cat "$TMP/err")" \
            grep -q "no such stream" "$TMP/err"
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=
        # refused for sure: a port held bound, not listening (tests/lib/ports.sh)
        hold_closed_port
        t "redis://127.0.0.1:$HELD_PORT/trawl:hits"
        release_port
        check "redis: connection refused exits 2" "exit $RC: $(cat "$TMP/err")" test "$RC" = 2
    fi
fi

# ---- end to end: the sample data ------------------------------------------

if [ -n "$HAVE_SAMPLE" ]; then
    "$TRAWL" triage --report "$TMP/sample.md" "$TMP/sample.jsonl" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    check "sample: triage exits 0" "exit $RC: $(cat "$TMP/err")" test "$RC" = 0
    check "sample: the critical URL is level 3" "$(rows | head -2)" \
        test "$(level_of https://files.cloudsync-cdn.net/dl/Setup_Update.msi)" = 3
    check "sample: the high C2 address is level 2" "$(rows)" \
        test "$(level_of 185.220.101.47)" = 2
    check "sample: a CIDR seen in two files is level 2" "$(rows)" \
        test "$(level_of 91.92.0.0/22)" = 2
    check "sample: every hit counted" "$(tail -1 "$TMP/err")" \
        grep -qF "trawl: $(wc -l <"$TMP/sample.jsonl") hit(s)" "$TMP/err"
    check "sample: report banner TLP:AMBER" "$(head -1 "$TMP/sample.md")" \
        grep -q '^\*\*TLP:AMBER\*\*' <(head -1 "$TMP/sample.md")
    check "sample: report names the C2 and its FQDN" "" \
        grep -qF '| `185.220.101.47` | IP | indicator |' "$TMP/sample.md"
    check "sample: report quotes the proxy log" "" grep -qF '`sample/logs/proxy.log` line 2:' \
        "$TMP/sample.md"
else
    skip "sample end to end" "no sample/ under $SRCDIR"
fi

tap_summary
