#!/usr/bin/env bash
# A flood of distinct flows (SYN-flood-like capture) stays inside the flow
# table's memory cap, and what follows the flood is still found. No root.
# Usage: flood.sh MKPCAP   Environment: TRAWL_BIN.
set -u
BIN=${TRAWL_BIN:?TRAWL_BIN not set}
MK=${1:?the mkpcap helper}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
check() { if eval "$2"; then echo "ok - $1"; pass=$((pass + 1)); else echo "not ok - $1: $3"; fail=$((fail + 1)); fi; }
N=300000
"$MK" flood $N "$TMP/flood.pcap" || { echo "not ok - generate the capture"; echo "0 passed, 1 failed"; exit 1; }
printf 'dns-ioc.trawl-test.net\nsplit-across.trawl-test.com\n' >"$TMP/iocs.txt"
"$BIN" compile -q -o "$TMP/db.tdb" "$TMP/iocs.txt" || exit 1
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$TMP/rss" "$BIN" scan -d "$TMP/db.tdb" -o "$TMP/hits.jsonl" \
        "$TMP/flood.pcap" 2>"$TMP/err"
    rc=$?
    rss=$(tail -1 "$TMP/rss")
else
    "$BIN" scan -d "$TMP/db.tdb" -o "$TMP/hits.jsonl" "$TMP/flood.pcap" 2>"$TMP/err"
    rc=$?
    rss=0
fi
check "a flood of $N flows is scanned, exit 0" '[ $rc -eq 0 ]' "exit $rc: $(head -3 "$TMP/err")"
check "memory stays under the flow-table cap (< 400 MB peak RSS)" '[ "$rss" -lt 409600 ]' \
    "peak RSS ${rss} KB"
check "the DNS query after the flood is found" \
    'grep -q "\"value\":\"dns-ioc.trawl-test.net\".*\"field\":\"dns.query\"" "$TMP/hits.jsonl"' \
    "$(head -c 300 "$TMP/hits.jsonl")"
check "the indicator split across segments after the flood is found" \
    'grep -q "\"value\":\"split-across.trawl-test.com\"" "$TMP/hits.jsonl"' "missing"
echo "peak RSS: ${rss} KB for $N flows"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
