#!/usr/bin/env bash
# trawl live, for real: a network namespace with a veth pair (vA, vB), trawl
# capturing on vA, tcpreplay sending generated captures (mkpcap) into vB.
# Checks the hits (DNS field, HTTP Host, flow address, an indicator split
# across TCP segments), the statistics lines, the exit status, a SIGHUP
# reload between two replays (hits of each part attributed to their database),
# --user dropping root, and a BPF filter. The main and reload runs spread the
# flows over several workers (-j 3, -j 4); a -j1 run must find the same hits. One line per check, "ok - NAME" or
# "not ok - NAME: DETAIL", then "N passed, M failed".
#
# Usage: run.sh MKPCAP   (meson passes the helper's path)
# Environment: TRAWL_BIN (required).
# Needs root, iproute2 (ip netns) and tcpreplay; without them it prints
# "skipped: WHY" and exits 77 (meson's skip status).
set -u
export LC_ALL=C

MKPCAP=${1:-}
TRAWL=${TRAWL_BIN:-}
skip_all() {
    echo "skipped: $1"
    exit 77
}
[ -n "$TRAWL" ] && [ -x "$TRAWL" ] || {
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
}
[ -n "$MKPCAP" ] && [ -x "$MKPCAP" ] || {
    echo "run.sh: give the mkpcap helper as the first argument" >&2
    exit 2
}
MKPCAP=$(cd "$(dirname "$MKPCAP")" && pwd)/$(basename "$MKPCAP")
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, raw capture)"
command -v ip >/dev/null 2>&1 || skip_all "needs iproute2 (ip)"
command -v tcpreplay >/dev/null 2>&1 || skip_all "needs tcpreplay (apt-get install tcpreplay)"

NS=trawl-live-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-live.XXXXXX") || exit 2
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

ip netns add "$NS" 2>/dev/null || skip_all "cannot create a network namespace"
if ! { ip -n "$NS" link add vA type veth peer name vB &&
    ip -n "$NS" link set vA up && ip -n "$NS" link set vB up; } 2>/dev/null; then
    skip_all "cannot create a veth pair in a namespace"
fi
# no IPv6 router solicitations or MLD reports on the pair (fewer stray packets)
ip netns exec "$NS" sh -c 'for i in vA vB; do
    echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6; done' 2>/dev/null

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
# check NAME DETAIL COND...
has() { grep -q -F -- "$2" "$1"; }
hasnt() { ! grep -q -F -- "$2" "$1"; }

cd "$TMP" || exit 2
chmod 755 "$TMP" # --user nobody reads the database for reloads
"$MKPCAP" main main.pcap && "$MKPCAP" part 1 part1.pcap && "$MKPCAP" part 2 part2.pcap &&
    "$MKPCAP" ooo 200 ooo.pcap || exit 2
printf '%s\n' dns-ioc.trawl-test.net http-ioc.trawl-test.org 45.77.10.99 \
    split-across.trawl-test.com >main.txt
# the same indicators at other indices, for a reload (prompt)
printf '%s\n' other-ioc.trawl-test.net split-across.trawl-test.com 45.77.10.99 \
    http-ioc.trawl-test.org dns-ioc.trawl-test.net >main2.txt
printf '%s\n' alpha-ioc.trawl-test.net >a.txt
printf '%s\n' beta-ioc.trawl-test.net >b.txt
for db in main main2 a b; do
    "$TRAWL" compile -q -o $db.tdb $db.txt >/dev/null 2>&1 || {
        echo "run.sh: trawl compile $db failed" >&2
        exit 2
    }
done
chmod 644 ./*.tdb

# start NAME ARGS...: trawl live on vA in the namespace, hits to NAME.jsonl,
# stderr to NAME.err; waits until it captures. Sets LIVE_PID.
start() {
    local name=$1
    shift
    ip netns exec "$NS" "$TRAWL" live -i vA -o "$name.jsonl" "$@" 2>"$name.err" &
    LIVE_PID=$!
    PIDS+=("$LIVE_PID")
    wait_for "$name.err" "capturing" 50
}
# wait_for FILE TEXT TENTHS: until FILE holds TEXT (or the time is up)
wait_for() {
    local i
    for ((i = 0; i < $3; i++)); do
        grep -q -F -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
replay() { ip netns exec "$NS" tcpreplay -q -t -i vB "$1" >/dev/null 2>&1; }
# stop: SIGTERM, then the exit status in RC
stop() {
    kill -TERM "$LIVE_PID"
    wait "$LIVE_PID"
    RC=$?
}

# ---- hits from a replayed capture ----------------------------------------------------
if start main -d main.tdb -j 3 --stats 1; then
    ok "live: capture opened on vA"
else
    notok "live: capture opened on vA" "$(head -c 300 main.err)"
fi
replay main.pcap
wait_for main.jsonl '"field":"dns.query"' 30
sleep 1.2 # at least one statistics line
stop
check "live: exit status 0 with hits" "status $RC" [ "$RC" = 0 ]
check "live: DNS query field hit" "$(head -c 300 main.jsonl)" \
    grep -q '"value":"dns-ioc.trawl-test.net".*"file":"vA".*"proto":"UDP".*"field":"dns.query"' \
    main.jsonl
check "live: HTTP Host hit in the TCP stream" "no http-ioc hit" \
    grep -q '"value":"http-ioc.trawl-test.org".*"proto":"TCP".*"dest_port":80\|"value":"http-ioc.trawl-test.org".*"dest_port":80.*"proto":"TCP"' \
    main.jsonl
check "live: flow address hit" "no ip.dst hit" \
    grep -q '"value":"45.77.10.99".*"field":"ip.dst"' main.jsonl
check "live: indicator split across two segments hits once" \
    "$(grep -c split-across main.jsonl) hits" \
    [ "$(grep -c '"value":"split-across.trawl-test.com"' main.jsonl)" = 1 ]
check "live: every hit names the database" "hit without \"db\"" \
    [ "$(grep -c '"db":"[0-9a-f]\{16\}"' main.jsonl)" = "$(wc -l <main.jsonl)" ]
check "live: periodic statistics with kernel drops" "$(cat main.err)" \
    grep -q 'packets, .* MB scanned, .* hit(s), .* flows active, kernel: .* received, 0 dropped' \
    main.err
check "live: final summary after SIGTERM" "$(tail -2 main.err)" has main.err "stopped after"
check "live: -j 3 runs three workers" "$(head -1 main.err)" has main.err "3 worker(s)"
check "live: flows timed out and evicted are counted" "$(tail -2 main.err)" \
    grep -q 'stopped after.*, flows: [0-9]* timed out, [0-9]* evicted' main.err

# ---- -j1: the capture thread alone finds the same hits ---------------------------------
# (live packet numbers and times depend on the replay: compare what and where)
hitkeys() {
    sed -e 's/"timestamp":"[^"]*",//' -e 's/"hit_id":"[^"]*",//' -e 's/"flow_id":[0-9]*,//' \
        -e 's/"packet":[0-9]*,//' -e 's/"pcap_ts":[0-9.]*,//' -e 's/"packet_list":\[[0-9,]*\]//' \
        "$1" | sort
}
start one -d main.tdb -j 1 --stats 0
replay main.pcap
wait_for one.jsonl '"field":"dns.query"' 30
stop
check "workers: -j1 runs on the capture thread" "$(head -1 one.err)" has one.err "1 worker(s)"
check "workers: -j1 and -j3 find the same hits" "$(diff <(hitkeys main.jsonl) <(hitkeys one.jsonl) | head -4)" \
    eval '[ -s one.jsonl ] && cmp -s <(hitkeys main.jsonl) <(hitkeys one.jsonl)'

# ---- prompt: hits while the flows are still open -----------------------------------------
# The TLS and HTTP flows of main.pcap never end (no FIN). The address hit comes at the
# flow's first packet; the Host line lies in the bytes a stream holds back (its last
# `overlap` bytes) and comes once the flow has paused for a second. The final flush
# must not send either again.
cp main.tdb prompt.tdb
start prompt -d prompt.tdb -j 2 --stats 0
replay main.pcap
t0=$(date +%s)
wait_for prompt.jsonl '"value":"45.77.10.99"' 30
wait_for prompt.jsonl '"value":"http-ioc.trawl-test.org"' 80
wait_for prompt.jsonl '"value":"split-across.trawl-test.com"' 80
t1=$(date +%s)
cp prompt.jsonl prompt-open.jsonl
# a reload before the flows end: the hits sent early are not sent again by
# the new database either (it holds the same indicators at other indices)
cp main2.tdb prompt.tdb.tmp && mv prompt.tdb.tmp prompt.tdb
kill -HUP "$LIVE_PID"
wait_for prompt.err "database reloaded" 30
stop
check "prompt: the address hit is sent while its flow is open" "$(head -c 300 prompt-open.jsonl)" \
    grep -q '"value":"45.77.10.99".*"field":"ip.dst"' prompt-open.jsonl
check "prompt: a hit in the held-back tail of a paused stream is sent while it is open" \
    "$(head -c 300 prompt-open.jsonl)" grep -q '"value":"http-ioc.trawl-test.org"' prompt-open.jsonl
check "prompt: ... within a few seconds" "$((t1 - t0)) s" [ $((t1 - t0)) -le 8 ]
for v in 45.77.10.99 http-ioc.trawl-test.org split-across.trawl-test.com; do
    n=$(grep -c "\"value\":\"$v\"" prompt.jsonl)
    want=1
    [ "$v" = 45.77.10.99 ] && want=2 # ip.dst to the server, ip.src of its replies
    check "prompt: $v is not sent again when the flows end" "$n hits" [ "$n" = "$want" ]
done

# ---- capture caps from the command line -----------------------------------------------
# 200 flows each holding an out-of-order segment; 1 MB of stream buffers holds 16 of them
start caps -d main.tdb -j 2 --stats 0 --stream-mem 1 --max-flows 100000
replay ooo.pcap
wait_for caps.jsonl split-across 30
sleep 0.5
stop
ncaps=$(grep -c '"value":"split-across.trawl-test.com"' caps.jsonl)
check "caps: --stream-mem 1 keeps some reassembled flows, not all 200" "$ncaps hits" \
    [ "$ncaps" -gt 0 -a "$ncaps" -lt 200 ]
check "caps: flows ended early are counted as evicted" "$(tail -2 caps.err)" \
    grep -qE 'flows: [0-9]+ timed out, [1-9][0-9]* evicted' caps.err
if ip netns exec "$NS" "$TRAWL" live -d main.tdb -i vA --max-flows 0 -q 2>caps0.err; then
    notok "caps: --max-flows 0 is a usage error" "exit 0"
else
    check "caps: --max-flows 0 is a usage error" "$(cat caps0.err)" has caps0.err "--max-flows needs"
fi

# ---- SIGHUP reload: part 1 with database A, part 2 with database B -------------------
cp a.tdb live.tdb
start reload -d live.tdb -j 4 --stats 0
replay part1.pcap
wait_for reload.jsonl alpha-ioc 30
cp b.tdb live.tdb.tmp && mv live.tdb.tmp live.tdb
kill -HUP "$LIVE_PID"
if wait_for reload.err "database reloaded" 30; then
    ok "reload: SIGHUP reloads the database"
else
    notok "reload: SIGHUP reloads the database" "$(cat reload.err)"
fi
replay part2.pcap
wait_for reload.jsonl beta-ioc 30
# a damaged file is refused and the capture goes on with B
echo "not a database" >live.tdb.tmp && mv live.tdb.tmp live.tdb
kill -HUP "$LIVE_PID"
wait_for reload.err "reload failed" 30
stop
check "reload: exit status 0" "status $RC" [ "$RC" = 0 ]
p1=$(grep '"src_port":1001' reload.jsonl)
p2=$(grep '"src_port":1002' reload.jsonl)
db1=$(printf '%s\n' "$p1" | grep -o '"db":"[0-9a-f]*"' | sort -u)
db2=$(printf '%s\n' "$p2" | grep -o '"db":"[0-9a-f]*"' | sort -u)
check "reload: part 1 hits indicator A only" "$p1" \
    [ "$(printf '%s\n' "$p1" | grep -c alpha-ioc)" = 1 -a "$(printf '%s\n' "$p1" | grep -c beta-ioc)" = 0 ]
check "reload: part 2 hits indicator B only" "$p2" \
    [ "$(printf '%s\n' "$p2" | grep -c beta-ioc)" = 1 -a "$(printf '%s\n' "$p2" | grep -c alpha-ioc)" = 0 ]
check "reload: hits carry their database's checksum" "'$db1' vs '$db2'" \
    [ -n "$db1" -a -n "$db2" -a "$db1" != "$db2" ]
check "reload: a damaged database is refused, the old one kept" "$(cat reload.err)" \
    grep -q "reload failed, keeping database ${db2:6:16}" reload.err

# ---- --user drops root ---------------------------------------------------------------
if id nobody >/dev/null 2>&1; then
    start user -d main.tdb --user nobody --stats 0
    uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$LIVE_PID/status" 2>/dev/null)
    nob=$(id -u nobody)
    check "user: runs as nobody after opening the capture" "Uid: $uid" \
        [ "$uid" = "$nob $nob $nob $nob" ]
    replay main.pcap
    wait_for user.jsonl dns-ioc 30
    cp main.tdb live.tdb
    kill -HUP "$LIVE_PID"
    wait_for user.err "reload" 30
    stop
    check "user: capture goes on without root" "$(cat user.err)" has user.jsonl dns-ioc
    check "user: the database can still be reloaded" "$(cat user.err)" \
        has user.err "database reloaded"
    check "user: exit status 0" "status $RC" [ "$RC" = 0 ]
    if ip netns exec "$NS" "$TRAWL" live -d main.tdb -i vA --user no-such-user-$$ -q \
        >/dev/null 2>bad.err; then RC=0; else RC=$?; fi
    check "user: an unknown user is an error" "status $RC: $(cat bad.err)" \
        [ "$RC" = 2 -a -s bad.err ]
else
    echo "ok - user: # SKIP no user 'nobody'"
fi

# ---- BPF filter ----------------------------------------------------------------------
start filter -d main.tdb -f 'udp port 53' --stats 0
replay main.pcap
wait_for filter.jsonl dns-ioc 30
sleep 0.3
stop
check "filter: DNS hit kept" "$(cat filter.err)" has filter.jsonl dns-ioc.trawl-test.net
check "filter: TCP hits filtered out" "$(grep -v dns-ioc filter.jsonl | head -c 300)" \
    [ "$(grep -c -v dns-ioc filter.jsonl)" = 0 ]
if ip netns exec "$NS" "$TRAWL" live -d main.tdb -i vA -f 'port port' -q \
    >/dev/null 2>badf.err; then RC=0; else RC=$?; fi
check "filter: a bad filter is an error" "status $RC: $(cat badf.err)" \
    [ "$RC" = 2 ] && has badf.err "filter"

# ---- no hits: exit status 1 ----------------------------------------------------------
start none -d b.tdb --stats 0
replay main.pcap
sleep 0.5
stop
check "none: exit status 1 without hits" "status $RC" [ "$RC" = 1 ]

tap_summary
