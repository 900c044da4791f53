#!/usr/bin/env bash
# trawl scan of captures with -j1, -j2 and -j4: packets are spread over the
# workers by a symmetric flow hash (engine/netscan.c), and the hits must not
# depend on it. Generated captures (gencap: thousands of interleaved flows,
# TCP segments cut, swapped, repeated and lost, both directions, DNS, HTTP,
# IPv4 and IPv6 fragments out of order, VLAN tags differing per direction,
# 5-tuples reused after their timeout; pcap, pcapng and gzip) are scanned
# one by one and together, and the sorted hits compared with only the
# "timestamp" field (the wall clock) removed: flow ids, packet numbers,
# pcap_ts, hit ids and everything else must be equal. Then named hits of
# the marker flows, the capture summary, and a truncated capture (one error
# naming the packet, exit 2, the same hits before it). One line per check,
# "ok - NAME" or "not ok - NAME: DETAIL", then "N passed, M failed".
#
# Usage: run.sh GENCAP   (meson passes the generator's path)
# Environment: TRAWL_BIN (required).
set -u
export LC_ALL=C

GENCAP=${1:-}
TRAWL=${TRAWL_BIN:-}
[ -n "$TRAWL" ] && [ -x "$TRAWL" ] || {
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
}
[ -n "$GENCAP" ] && [ -x "$GENCAP" ] || {
    echo "run.sh: give the gencap helper as the first argument" >&2
    exit 2
}
GENCAP=$(cd "$(dirname "$GENCAP")" && pwd)/$(basename "$GENCAP")
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-netjobs.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 2

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
TIMEOUT=$(command -v timeout || true)
# scan OUT ERR ARGS...: trawl scan, sets RC (a death by signal shows as >= 124)
scan() {
    local o=$1 e=$2
    shift 2
    ${TIMEOUT:+$TIMEOUT 120} "$TRAWL" scan --max-tlp red -d db.tdb "$@" >"$o" 2>"$e"
    RC=$?
}
# norm FILE: the hit lines without their wall-clock timestamp, sorted
norm() { sed -e 's/"timestamp":"[^"]*",//' "$1" | sort; }

"$GENCAP" iocs iocs.csv &&
    "$GENCAP" cap 1 2500 c1.pcap &&
    "$GENCAP" cap 2 1500 c2.pcapng ng &&
    "$GENCAP" cap 3 1500 c3.pcap && gzip -9 c3.pcap || {
    echo "run.sh: gencap failed" >&2
    exit 2
}
"$TRAWL" compile -q --no-default-allowlist -o db.tdb iocs.csv 2>compile.err || {
    echo "run.sh: trawl compile failed: $(head -3 compile.err)" >&2
    exit 2
}

# ---- the same hits for -j1, -j2, -j4 ----------------------------------------------------
for set in c1.pcap c2.pcapng c3.pcap.gz all; do
    if [ "$set" = all ]; then inputs=(c1.pcap c2.pcapng c3.pcap.gz); else inputs=("$set"); fi
    for j in 1 2 4; do
        scan "$set.j$j.jsonl" "$set.j$j.err" -j "$j" "${inputs[@]}"
        rcs[j]=$RC
        norm "$set.j$j.jsonl" >"$set.j$j.norm"
    done
    n=$(wc -l <"$set.j1.norm")
    check "$set: -j1 finds hits (exit 0)" "exit ${rcs[1]}, $n hits: $(head -2 "$set.j1.err")" \
        [ "${rcs[1]}" = 0 -a "$n" -gt 100 ]
    for j in 2 4; do
        if [ "${rcs[j]}" = 0 ] && cmp -s "$set.j1.norm" "$set.j$j.norm"; then
            ok "$set: -j$j gives the same $n hits as -j1"
        else
            notok "$set: -j$j gives the same hits as -j1" \
                "exit ${rcs[j]}: $(head -2 "$set.j$j.err" | tr '\n' ' ') $(diff "$set.j1.norm" \
                    "$set.j$j.norm" | grep -c '^[<>]') lines differ; first: $(diff "$set.j1.norm" \
                    "$set.j$j.norm" | grep -m1 '^[<>]' | cut -c1-400)"
        fi
    done
    # packets and flows are the same; flows that ended by timeout rather than at the
    # end of the capture may not be (each worker sweeps its own table)
    for j in 1 2 4; do
        grep -o 'captures: [0-9]* packets, [0-9]* flows' "$set.j$j.err" >"$set.j$j.sum"
    done
    check "$set: packet and flow counts equal for -j1/-j2/-j4" "$(cat "$set".j?.sum | tr '\n' '|')" \
        eval 'cmp -s $set.j1.sum $set.j2.sum && cmp -s $set.j1.sum $set.j4.sum && [ -s $set.j1.sum ]'
done

# ---- what the hits must contain, with every -j ------------------------------------------
# has J PATTERN...: every pattern (grep -E) is matched by one hit line of all.jJ
has() {
    local j=$1 p
    shift
    for p in "$@"; do grep -qE -- "$p" "all.j$j.jsonl" || return 1; done
}
for j in 1 2 4; do
    check "-j$j: DNS query in IPv4 fragments (out of order)" "missing" has "$j" \
        '"value":"frag-dom.netjobs-test.net".*"src_ip":"10.99.0.1".*"field":"dns.query"'
    check "-j$j: DNS query in IPv6 fragments" "missing" has "$j" \
        '"value":"v6-dom.netjobs-test.org".*"src_ip":"2001:db8:99::1".*"proto":"UDP".*"field":"dns.query"'
    check "-j$j: name cut across TCP segments sent in reverse order, once per capture" \
        "$(grep -c split-me "all.j$j.jsonl") hits" \
        [ "$(grep -c '"value":"split-me.netjobs-test.info".*"dest_port":4444' "all.j$j.jsonl")" = 3 ]
    check "-j$j: TCP segment in IP fragments" "missing" has "$j" \
        '"value":"MARKER-IN-FRAGMENTED-SEGMENT".*"proto":"TCP".*"direction":"to_server"'
    check "-j$j: server to client payload" "missing" has "$j" \
        '"value":"MARKER-FROM-THE-SERVER".*"src_ip":"198.18.99.3".*"direction":"to_client"'
    check "-j$j: DNS answers, HTTP URLs, flow addresses both ways, IPv6 addresses" "missing" \
        has "$j" '"field":"dns.answer"' '"field":"http.url"' '"field":"ip.src"' \
        '"field":"ip.dst"' '"type":"ipv6".*"field":"ip.(src|dst)"' '"direction":"to_client"'
done
check "hit ids are unique" "$(cut -d'"' -f8 all.j4.jsonl | sort | uniq -d | head -3 | tr '\n' ' ')" \
    [ -z "$(grep -o '"hit_id":"[0-9a-f]*"' all.j4.jsonl | sort | uniq -d | head -1)" ]

# ---- a damaged capture: one error naming the packet, the hits before it kept -------------
sz=$(wc -c <c1.pcap)
head -c $((sz * 2 / 3)) c1.pcap >trunc.pcap
for j in 1 2 4; do
    scan "trunc.j$j.jsonl" "trunc.j$j.err" -j "$j" trunc.pcap
    trc[j]=$RC
    norm "trunc.j$j.jsonl" >"trunc.j$j.norm"
    grep -v '^trawl: [0-9]* file(s),\|^trawl: captures:' "trunc.j$j.err" >"trunc.j$j.msg"
done
check "truncated: -j1 exits 2 with one error naming the packet" \
    "exit ${trc[1]}: $(cat trunc.j1.msg)" \
    eval '[ "${trc[1]}" = 2 ] && [ "$(wc -l <trunc.j1.msg)" = 1 ] &&
          grep -q "^trawl: trunc.pcap#[0-9]*: truncated" trunc.j1.msg'
for j in 2 4; do
    check "truncated: -j$j gives the same error and exit status" \
        "exit ${trc[j]}: $(cat "trunc.j$j.msg") vs $(cat trunc.j1.msg)" \
        eval '[ "${trc[$j]}" = 2 ] && cmp -s trunc.j1.msg trunc.j$j.msg'
    check "truncated: -j$j keeps the same hits before the error" \
        "$(diff trunc.j1.norm "trunc.j$j.norm" | grep -c '^[<>]') lines differ" \
        eval '[ -s trunc.j1.norm ] && cmp -s trunc.j1.norm trunc.j$j.norm'
done

# ---- command line ---------------------------------------------------------------------
"$TRAWL" scan --help >help.txt 2>&1
check "scan --help tells how -j spreads a capture's packets" "$(grep -A3 -- '-j, --threads' help.txt)" \
    grep -q 'symmetric hash' help.txt
"$TRAWL" live --help >lhelp.txt 2>&1
check "live --help tells how -j spreads packets" "$(grep -A3 -- '-j, --threads' lhelp.txt)" \
    grep -q 'symmetric' lhelp.txt

tap_summary
