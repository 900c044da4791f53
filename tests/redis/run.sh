#!/usr/bin/env bash
# trawl Redis Streams sink tests against a real redis-server started here on a
# free loopback port: entries and their fields, an outage in the middle of a
# scan (kill -9, restart: every hit arrives, duplicates only by hit_id), a
# server down for the whole scan (exit 2, the spool keeps every hit and a
# later run replays it), TLP ceilings and bad URLs. One line per check,
# "ok - NAME" or "not ok - NAME: DETAIL", then "N passed, M failed".
#
# Environment: TRAWL_BIN (required). Skips (exit 77) without redis-server.
set -u
export LC_ALL=C

TRAWL=${TRAWL_BIN:-}
if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
fi
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "ok - redis # SKIP redis-server/redis-cli not installed (tools/bootstrap.sh --test)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
fi

# shellcheck source=tests/lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ports.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-redis.XXXXXX") || exit 2
RPID=
stop_redis() {
    if [ -n "$RPID" ]; then
        kill -9 "$RPID" 2>/dev/null
        wait "$RPID" 2>/dev/null
        RPID=
    fi
}
trap 'stop_redis; release_port; rm -rf "$TMP"' EXIT
T0=$(date +%s)

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
TIMEOUT=$(command -v timeout || true)
run() { if [ -n "$TIMEOUT" ]; then "$TIMEOUT" 180 "$@"; else "$@"; fi; }

# The server's loopback port (tests/lib/ports.sh), new for each server
# started; URL follows it.
PORT=$(free_port) || PORT=6399
URL=redis://127.0.0.1:$PORT/trawl:hits
rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }

# start_redis DIR [persist] [same-port]: runs redis-server in the foreground
# of a background job, on a free port (another one if a server of another
# suite took it first), or with same-port on PORT again (a restart the
# running scan must find). With persist, every acknowledged write survives
# kill -9: Redis write(2)s the AOF before it replies, and the page cache
# outlives the process (appendfsync always would also survive a power cut,
# but costs an fsync per 16 KB read from the socket).
start_redis() {
    local dir=$1 aof=no same='' try a
    shift
    for a in "$@"; do
        case $a in
        persist) aof=yes ;;
        same-port) same=1 ;;
        esac
    done
    mkdir -p "$dir"
    for try in 1 2 3 4 5; do
        if [ -z "$same" ]; then
            PORT=$(free_port) || PORT=6399
            URL=redis://127.0.0.1:$PORT/trawl:hits
        fi
        redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly "$aof" \
            --appendfsync no --dir "$dir" --logfile "$dir/redis.log" --daemonize no &
        RPID=$!
        for _ in $(seq 100); do
            redis_is "$PORT" "$RPID" && return 0
            kill -0 "$RPID" 2>/dev/null || break # did not bind: exited
            sleep 0.05
        done
        stop_redis
        [ -n "$same" ] && break
        echo "# redis-server did not start on port $PORT (try $try)" >&2
    done
    echo "# redis-server did not start on port $PORT:" >&2
    tail -5 "$dir/redis.log" >&2
    return 1
}

# The hit ids in the stream, one per line (hit_id is each entry's first field).
stream_ids() {
    rcli --raw EVAL "local r = redis.call('XRANGE', KEYS[1], '-', '+')
        local o = {}
        for i = 1, #r do o[i] = r[i][2][2] end
        return o" 1 trawl:hits
}
# hit_id of each JSON line of a file
json_ids() { awk -F'"hit_id":"' 'NF > 1 {print substr($2, 1, 16)}' "$1"; }

cat >"$TMP/iocs.csv" <<'EOF'
type,value,tlp,severity
domain,evil-updates.example,green,high
ipv4,203.0.113.77,amber,medium
url,http://dl.bad.example/payload.bin,red,critical
domain,clear-c2.example,clear,low
EOF
cat >"$TMP/small.log" <<'EOF'
GET http://evil-updates.example/a from 203.0.113.77
fetch http://dl.bad.example/payload.bin
clear-c2.example ok
nothing here
again evil-updates.example
EOF
if ! run "$TRAWL" compile -q -o "$TMP/db.tdb" "$TMP/iocs.csv"; then
    echo "not ok - compile: cannot compile the test indicators"
    echo "0 passed, 1 failed"
    exit 1
fi
DB=$TMP/db.tdb

# ---- 1: entries and fields ------------------------------------------------------
basic() {
    start_redis "$TMP/r1" || { notok basic "no redis-server"; return; }
    (cd "$TMP" && run "$TRAWL" scan -q -d "$DB" --sink "$URL" --sink "jsonl:$TMP/ref1.jsonl" \
        small.log 2>"$TMP/err1")
    local rc=$?
    check "basic: exit 0" "exit $rc: $(head -3 "$TMP/err1")" [ "$rc" -eq 0 ]
    local n
    n=$(rcli XLEN trawl:hits)
    # 5 hits, the red one withheld by the default ceiling
    check "basic: XLEN is 4" "XLEN $n" [ "$n" = 4 ]
    rcli --raw XRANGE trawl:hits - + COUNT 1 >"$TMP/e1"
    local names
    names=$(sed -n '2~2p' "$TMP/e1" | tr '\n' ' ')
    check "basic: fields" "got: $names" \
        [ "$names" = "hit_id timestamp event_type ioc.value ioc.type ioc.tlp ioc.severity file offset json " ]
    local id json
    id=$(sed -n 3p "$TMP/e1")
    json=$(sed -n 21p "$TMP/e1")
    check "basic: values" "$(tr '\n' '|' <"$TMP/e1")" \
        [ "$(sed -n '5p;7p;9p;11p;13p;15p;17p;19p' "$TMP/e1" | tr '\n' ' ')" = \
        "$(sed -n 1p "$TMP/ref1.jsonl" | sed 's/.*"timestamp":"\([^"]*\)".*/\1/') ioc evil-updates.example domain green high small.log 11 " ]
    check "basic: json field is the hit line" "$json" grep -qxF "$json" "$TMP/ref1.jsonl"
    check "basic: hit_id matches the json" "$id" grep -q "\"hit_id\":\"$id\"" <<<"$json"
    check "basic: no spool left" "$(ls "$TMP"/*.spool 2>&1)" \
        [ ! -e "$TMP/trawl_hits.spool" ]
    stop_redis
}

# ---- 2: kill -9 and restart in the middle of a scan -----------------------------
# A slow producer keeps the scan going for several seconds; redis persists
# every acknowledged entry (AOF) so entries survive the kill.
gen_slow() {
    awk 'BEGIN {
        for (s = 0; s < 120; s++) {
            for (i = 0; i < 1000; i++)
                printf "%d GET http://evil-updates.example/p?i=%d from 203.0.113.77\n", s, i
            fflush()
            system("sleep 0.05")
        }
    }'
}
outage() {
    start_redis "$TMP/r2" persist || { notok outage "no redis-server"; return; }
    gen_slow | run "$TRAWL" scan -d "$DB" --sink "$URL,spool=$TMP/t2.spool" \
        --sink "jsonl:$TMP/ref2.jsonl" - 2>"$TMP/err2" &
    local scan=$!
    local n=0
    for _ in $(seq 200); do
        n=$(rcli XLEN trawl:hits 2>/dev/null || echo 0)
        [ "${n:-0}" -ge 20000 ] && break
        sleep 0.05
    done
    stop_redis
    echo "# killed redis-server (kill -9) at XLEN $n, $SECONDS s"
    sleep 1.5
    start_redis "$TMP/r2" persist same-port || { notok outage "redis-server did not restart"; return; }
    echo "# restarted redis-server with $(rcli XLEN trawl:hits) entries"
    wait "$scan"
    local rc=$?
    echo "# scan done at $SECONDS s"
    check "outage: exit 0" "exit $rc: $(head -3 "$TMP/err2")" [ "$rc" -eq 0 ]
    grep '^trawl: sink redis' "$TMP/err2" | sed 's/^/# /'
    local spooled
    spooled=$(sed -n 's/^trawl: sink redis.* \([0-9]*\) spooled.*/\1/p' "$TMP/err2")
    check "outage: the scan saw the outage (hits spooled)" "$(grep '^trawl: sink redis' "$TMP/err2")" \
        [ "${spooled:-0}" -gt 0 ]
    json_ids "$TMP/ref2.jsonl" >"$TMP/ref2.order"
    stream_ids >"$TMP/got2.order"
    sort "$TMP/ref2.order" >"$TMP/ref2.ids"
    sort "$TMP/got2.order" >"$TMP/got2.ids"
    local want total distinct missing extra
    want=$(wc -l <"$TMP/ref2.ids")
    total=$(wc -l <"$TMP/got2.ids")
    distinct=$(sort -u "$TMP/got2.ids" | wc -l)
    missing=$(sort -u "$TMP/got2.ids" | comm -23 "$TMP/ref2.ids" - | wc -l)
    extra=$(sort -u "$TMP/got2.ids" | comm -13 "$TMP/ref2.ids" - | wc -l)
    echo "# ids read at $SECONDS s"
    echo "# $want hits, $total entries, $distinct distinct, $((total - distinct)) duplicate(s)"
    check "outage: 240000 hits in the reference" "$want" [ "$want" -eq 240000 ]
    check "outage: every hit arrived" "$missing missing of $want" [ "$missing" -eq 0 ]
    check "outage: nothing foreign" "$extra unknown ids" [ "$extra" -eq 0 ]
    check "outage: distinct ids = hits" "$distinct vs $want" [ "$distinct" -eq "$want" ]
    # a duplicate comes after its first copy; first copies keep the scan's order
    check "outage: order kept" "first copies out of order" \
        cmp -s "$TMP/ref2.order" <(awk '!seen[$0]++' "$TMP/got2.order")
    check "outage: spool removed" "$(ls -la "$TMP/t2.spool" 2>&1)" [ ! -e "$TMP/t2.spool" ]
    stop_redis
}

# ---- 3: server down for the whole scan ----------------------------------------
# "Down" is a port held bound but not listening for the whole scan (see
# tests/lib/ports.sh): connections are refused, and no server of another
# suite can start there meanwhile.
down() {
    mkdir -p "$TMP/t3"
    cp "$TMP/small.log" "$TMP/small2.log"
    hold_closed_port
    if [ -z "$HELD_PORT" ] || redis-cli -h 127.0.0.1 -p "$HELD_PORT" PING >/dev/null 2>&1; then
        notok down "no closed port to scan against (port '$HELD_PORT')"
        release_port
        return
    fi
    # default spool: <stream, '/' and ':' as '_'>.spool in the current directory.
    # -j1: the checks below compare the spool with the JSONL sink line by line,
    # and with two workers the two sinks may take two files' hits in another
    # interleaving (each sink is locked per hit, not across sinks).
    (cd "$TMP/t3" && TRAWL_REDIS_FINAL_WAIT=1 run "$TRAWL" scan -q -j1 -d "$DB" \
        --sink "redis://127.0.0.1:$HELD_PORT/trawl:hits,max-tlp=red" \
        --sink "jsonl:$TMP/ref3.jsonl,max-tlp=red" ../small.log ../small2.log 2>"$TMP/err3")
    local rc=$?
    release_port
    check "down: exit 2" "exit $rc" [ "$rc" -eq 2 ]
    check "down: message names the spool" "$(cat "$TMP/err3")" grep -q 'trawl_hits\.spool' "$TMP/err3"
    local sp=$TMP/t3/trawl_hits.spool
    check "down: spool holds every hit" "$(diff <(json_ids "$TMP/ref3.jsonl") <(json_ids "$sp") 2>&1 | head -3)" \
        cmp -s <(json_ids "$TMP/ref3.jsonl") <(json_ids "$sp")
    check "down: spool is the JSON lines" "differs" cmp -s "$TMP/ref3.jsonl" "$sp"
    # a later run with the server up replays the spool before its own hits
    start_redis "$TMP/r3" || { notok down "no redis-server"; return; }
    (cd "$TMP/t3" && run "$TRAWL" scan -q -d "$DB" --sink "$URL,max-tlp=red" ../small.log 2>"$TMP/err3b")
    rc=$?
    check "down: next run exit 0" "exit $rc: $(cat "$TMP/err3b")" [ "$rc" -eq 0 ]
    local n
    n=$(rcli XLEN trawl:hits)
    check "down: next run replays the spool first" "XLEN $n" [ "$n" -eq 15 ]
    check "down: replayed in order" "order differs" \
        cmp -s <(json_ids "$TMP/ref3.jsonl") <(stream_ids | head -10)
    check "down: spool removed after replay" "$(ls "$TMP/t3")" [ ! -e "$sp" ]
    stop_redis
}

# ---- 4: TLP ceilings and redaction on the Redis sink ---------------------------
no_leak() { ! rcli --raw XRANGE trawl:hits - + | grep -q -e 203.0.113.77 -e dl.bad.example; }
tlp() {
    start_redis "$TMP/r4" || { notok tlp "no redis-server"; return; }
    run "$TRAWL" scan -q -d "$DB" --sink "$URL,max-tlp=green" "$TMP/small.log" 2>"$TMP/err4"
    local tlps
    tlps=$(rcli --raw EVAL "local r = redis.call('XRANGE', KEYS[1], '-', '+')
        local o = {}
        for i = 1, #r do o[i] = r[i][2][12] end
        return o" 1 trawl:hits | sort | uniq -c | tr -s ' \n' ' ')
    check "tlp: max-tlp=green sends clear and green only" "$tlps" [ "$tlps" = " 1 clear 2 green " ]
    rcli DEL trawl:hits >/dev/null
    run "$TRAWL" scan -q -d "$DB" --sink "$URL,max-tlp=green,redact" "$TMP/small.log" 2>"$TMP/err4"
    local vals
    vals=$(rcli --raw EVAL "local r = redis.call('XRANGE', KEYS[1], '-', '+')
        local o = {}
        for i = 1, #r do o[i] = r[i][2][8] .. '/' .. r[i][2][12] end
        return o" 1 trawl:hits | sort | tr '\n' ' ')
    check "tlp: redact replaces amber and red values" "$vals" \
        [ "$vals" = "clear-c2.example/clear evil-updates.example/green evil-updates.example/green ioc-1/amber ioc-2/red " ]
    check "tlp: no value leaks into the json field" "leak" no_leak
    stop_redis
}

# ---- 5: bad URLs ------------------------------------------------------------------
urls() {
    local u
    for u in redis://127.0.0.1/x redis://127.0.0.1:$PORT redis://127.0.0.1:$PORT/ \
        redis://:$PORT/x redis://127.0.0.1:99999/x; do
        run "$TRAWL" scan -q -d "$DB" --sink "$u" "$TMP/small.log" >/dev/null 2>"$TMP/err5"
        local rc=$?
        # shellcheck disable=SC2016 # expands when checked
        check "url: $u refused" "exit $rc: $(cat "$TMP/err5")" \
            eval '[ "$rc" -eq 2 ] && grep -qF "$u" "$TMP/err5"'
    done
}

section() {
    local t=$SECONDS
    "$1"
    echo "# $1 took $((SECONDS - t)) s"
}
{
    trap stop_redis EXIT # this group runs in a subshell of its own
    section basic
    section outage
    section down
    section tlp
    section urls
} | tee "$TMP/log"

echo "# redis tests took $(($(date +%s) - T0)) s"
tap_summary "$TMP/log"
