#!/usr/bin/env bash
# trawl fault tests: the real binary under conditions that break naive
# tools. Output to a full disk (/dev/full) must give exit 2 and a message,
# never silence; SIGTERM in the middle of a scan must flush every hit found
# so far (one worker: a prefix of the file's hits; two workers: a prefix per
# chunk) and exit 2; a file that vanishes after the walk, or shrinks while
# it is mapped, must give an error and exit 2 without losing the other
# files' hits, nor hang the scan when it shrinks while its hits go to sinks
# that lock (--aggregate); a single 1 GB line (no newline) must give its
# hits with short contexts and bounded memory when streamed.
# One line per check, "ok - NAME" or "not ok - NAME: DETAIL" ("# SKIP" when a
# race was lost), then "N passed, M failed[, S skipped]" (tests/lib/tap.sh).
#
# Usage: run.sh   Environment: TRAWL_BIN (required); TMPDIR for the ~2 GB of
# scratch files (removed at exit).
set -u
export LC_ALL=C
TRAWL=${TRAWL_BIN:-}
if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "not ok - setup: TRAWL_BIN is not set to the trawl binary"
    echo "0 passed, 1 failed"
    exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-fault.XXXXXX")
trap 'rm -rf "$T"' EXIT

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

MB=1048576
NMB=1024 # the big file: NMB blocks of 1 MiB, no newline anywhere
HITPOS=100

# ---- fixtures ---------------------------------------------------------------
printf 'evil.example.com\n198.51.100.7\n' >"$T/iocs.txt"
if ! "$TRAWL" compile -o "$T/iocs.tdb" "$T/iocs.txt" >"$T/compile.out" 2>&1; then
    notok "setup: compile" "$(head -3 "$T/compile.out")"
    tap_summary
    exit 1
fi
printf 'GET http://evil.example.com/x from 198.51.100.7\nnothing here\n' >"$T/small.log"

# One 1 MiB block: blanks with " evil.example.com " at HITPOS. The big file
# is NMB blocks and ends with " 198.51.100.7" (no newline): one line of
# 1 GiB with a domain hit every MiB and an address hit at the very end.
{
    head -c $HITPOS /dev/zero | tr '\0' ' '
    printf 'evil.example.com'
    head -c $((MB - HITPOS - 16)) /dev/zero | tr '\0' ' '
} >"$T/block"
big=$T/big.log
for ((i = 0; i < NMB; i++)); do cat "$T/block"; done >"$big"
printf ' 198.51.100.7' >>"$big"
bigsize=$(stat -c %s "$big")

offsets() { # hit file -> "FILE OFFSET" per hit
    sed -n 's/.*"file":"\([^"]*\)","offset":\([0-9]*\).*/\1 \2/p' "$1"
}

# ---- full disk --------------------------------------------------------------
"$TRAWL" scan -d "$T/iocs.tdb" -o /dev/full "$T/small.log" 2>"$T/err1"
rc=$?
check_eval "-o /dev/full: exit 2 with a message" '[ $rc -eq 2 ] && grep -qi "space\|write" "$T/err1"' \
    "exit $rc, stderr: $(head -c 300 "$T/err1")"

"$TRAWL" scan -d "$T/iocs.tdb" "$T/small.log" >/dev/full 2>"$T/err2"
rc=$?
check_eval "stdout to /dev/full: exit 2 with a message" \
    '[ $rc -eq 2 ] && grep -qi "space\|write" "$T/err2"' "exit $rc, stderr: $(head -c 300 "$T/err2")"

"$TRAWL" scan -d "$T/iocs.tdb" --sink jsonl:/dev/full "$T/small.log" >/dev/null 2>"$T/err3"
rc=$?
check_eval "--sink jsonl:/dev/full: exit 2 with a message" \
    '[ $rc -eq 2 ] && grep -qi "space\|write" "$T/err3"' "exit $rc, stderr: $(head -c 300 "$T/err3")"

# the big file to a full disk: stops early instead of scanning 1 GiB for nothing
s=$(date +%s%N)
"$TRAWL" scan -d "$T/iocs.tdb" -j 2 -o /dev/full "$big" 2>"$T/err4"
rc=$?
ms=$((($(date +%s%N) - s) / 1000000))
check_eval "big file to /dev/full: exit 2 with a message" '[ $rc -eq 2 ] && [ -s "$T/err4" ]' \
    "exit $rc after ${ms} ms, stderr: $(head -c 300 "$T/err4")"

# ---- the 1 GiB line ---------------------------------------------------------
/usr/bin/time -f %M -o "$T/rss.map" "$TRAWL" scan -d "$T/iocs.tdb" -j 2 -o "$T/line.hits" "$big" \
    2>"$T/line.err" || true
n=$(grep -c . "$T/line.hits")
last=$(grep -c "\"offset\":$((bigsize - 12)),.*\"line\":1," "$T/line.hits")
check_eval "1 GiB line (mapped): $((NMB + 1)) hits, the last at the very end" \
    '[ "$n" -eq $((NMB + 1)) ] && [ "$last" -eq 1 ]' "$n hits, end hit found $last times"
badline=$(grep -vc '"line":1,' "$T/line.hits")
maxctx=$(sed -n 's/.*"context":"\(.*\)"}$/\1/p' "$T/line.hits" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
check_eval "1 GiB line: every hit on line 1, contexts at most 256 bytes" \
    '[ "$badline" -eq 0 ] && [ "$maxctx" -gt 0 ] && [ "$maxctx" -le 256 ]' \
    "$badline hits not on line 1, longest context $maxctx bytes"

if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$T/rss" "$TRAWL" scan -d "$T/iocs.tdb" -o "$T/pipe.hits" - <"$big" \
        2>"$T/pipe.err" || true
    # stdin from a file is read(), never mapped: memory must not follow the line
    rss=$(tail -1 "$T/rss")
    n=$(grep -c . "$T/pipe.hits")
    check_eval "1 GiB line on stdin: $((NMB + 1)) hits in under 300 MB" \
        '[ "$n" -eq $((NMB + 1)) ] && [ "$rss" -lt 307200 ]' "$n hits, max RSS ${rss} KB"
else
    skip "1 GiB line on stdin" "no /usr/bin/time"
fi

# ---- SIGTERM in the middle of a scan ----------------------------------------
# Four names for the big file, scanned one after another by one worker:
# the hits written must be every hit of the earlier files, a prefix of the
# current one's, and nothing after.
for k in 1 2 3 4; do ln -s "$big" "$T/big$k.log"; done
CHUNK_MB=4 # passed explicitly: the prefix check below depends on it
sigterm_run() { # threads, output; sets rc, waited ms
    "$TRAWL" scan -d "$T/iocs.tdb" -j "$1" --chunk "$CHUNK_MB" -o "$2" "$T/big1.log" "$T/big2.log" "$T/big3.log" \
        "$T/big4.log" 2>"$2.err" &
    local pid=$!
    sleep 0.4
    kill -TERM $pid 2>/dev/null
    wait $pid
    rc=$?
}
# expected hit offsets of one file, in order
{ for ((i = 0; i < NMB; i++)); do echo $((i * MB + HITPOS)); done; echo $((bigsize - 12)); } \
    >"$T/expected.off"
total=$((4 * (NMB + 1)))

sigterm_run 1 "$T/term1.hits"
offsets "$T/term1.hits" | awk -v expf="$T/expected.off" '
    BEGIN { while ((getline l < expf) > 0) e[n++] = l }
    { f = $1; if (!(f in idx)) { order[nf++] = f; idx[f] = 0 }
      if ($2 != e[idx[f]]) { bad = "file " f ": hit " idx[f] " at " $2 ", expected " e[idx[f]]; exit }
      idx[f]++ }
    END { if (bad) { print "BAD " bad; exit }
          for (i = 0; i < nf - 1; i++) if (idx[order[i]] != n) { print "BAD " order[i] " incomplete: " idx[order[i]]; exit }
          print "OK" }' >"$T/term1.check"
got=$(grep -c . "$T/term1.hits")
tail_ok=$(tail -c 1 "$T/term1.hits" | od -An -c | tr -d ' ')
if [ "$got" -ge "$total" ]; then
    skip "SIGTERM, one worker" "the scan finished before the signal ($got hits)"
else
    check_eval "SIGTERM, one worker: exit 2, hits so far are a complete prefix, last line whole" \
        '[ $rc -eq 2 ] && [ "$(cat "$T/term1.check")" = OK ] && [ "$got" -gt 0 ] && [ "$tail_ok" = "\n" ]' \
        "exit $rc, $got of $total hits, $(cat "$T/term1.check"), stderr: $(head -c 200 "$T/term1.hits.err")"
fi

# Two workers and CHUNK_MB MiB chunks: per (file, chunk) the hits are a prefix.
sigterm_run 2 "$T/term2.hits"
offsets "$T/term2.hits" | awk -v mb=$MB -v nmb=$NMB -v pos=$HITPOS -v cm=$CHUNK_MB '
    { c = int($2 / (cm * mb)); k = $1 " " c; seen[k, $2] = 1; if ($2 > max[k]) max[k] = $2; keys[k] = 1 }
    END { for (k in keys) { split(k, a, " "); c = a[2]
            for (i = c * cm; i < nmb && i * mb + pos <= max[k]; i++)
                if (!seen[k, i * mb + pos]) { print "BAD " k ": missing " i * mb + pos; exit } }
          print "OK" }' >"$T/term2.check"
got=$(grep -c . "$T/term2.hits")
if [ "$got" -ge "$total" ]; then
    skip "SIGTERM, two workers" "the scan finished before the signal ($got hits)"
else
    check_eval "SIGTERM, two workers: exit 2, hits so far are a prefix of every chunk" \
        '[ $rc -eq 2 ] && [ "$(cat "$T/term2.check")" = OK ] && [ "$got" -gt 0 ]' \
        "exit $rc, $got of $total hits, $(cat "$T/term2.check")"
fi

# One large .gz and three workers: blocks are scanned out of order by the
# owner, the inflate thread and a helper (1 MiB blocks). The text is log lines
# scanned with UTF-16LE narrowing on, slow enough for the signal to land
# mid-scan. What is written must be whole lines of the expected hit, none
# twice, and the scan must stop (no thread left waiting).
awk 'BEGIN { for (i = 0; i < 6000000; i++)
        printf "Nov 23 10:00:%02d gw sshd[%d]: Failed password for root from 198.51.100.%d port %d ssh2\n",
            i % 60, 1000 + i % 9000, i % 250, 1024 + i % 60000 }' | gzip -1 >"$T/gz1.log.gz"
"$TRAWL" scan -d "$T/iocs.tdb" -j 3 --chunk 1 --utf16 on -o "$T/termgz.hits" "$T/gz1.log.gz" \
    2>"$T/termgz.err" &
pid=$!
# the signal lands once hits are coming (however loaded the machine is)
for ((i = 0; i < 500; i++)); do
    [ -s "$T/termgz.hits" ] && break
    sleep 0.02
done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
got=$(grep -c . "$T/termgz.hits")
bad=$(offsets "$T/termgz.hits" | awk '{ if (seen[$0]++) { print "twice: " $0; exit } }')
others=$(grep -vc '"value":"198.51.100.7"' "$T/termgz.hits")
tail_ok=$(tail -c 1 "$T/termgz.hits" | od -An -c | tr -d ' ')
if [ "$got" -ge 24000 ]; then
    skip "SIGTERM, .gz on three workers" "the scan finished before the signal ($got hits)"
else
    check_eval "SIGTERM, .gz on three workers: exit 2, whole lines of the expected hit, none twice" \
        '[ $rc -eq 2 ] && [ -z "$bad" ] && [ "$others" = 0 ] && [ "$got" -gt 0 ] && [ "$tail_ok" = "\n" ]' \
        "exit $rc, $got hits, ${bad:-no duplicate}, $others other, stderr: $(head -c 200 "$T/termgz.err")"
fi

# The same .gz cut short while it is being inflated (-j1 and -j2): it is read
# with read(), never mapped, so the cut is a truncated stream, reported, not a
# SIGBUS.
for j in 1 2; do
    cp "$T/gz1.log.gz" "$T/shrink$j.log.gz"
    "$TRAWL" scan -d "$T/iocs.tdb" -j $j --utf16 on -o "$T/shrinkgz$j.hits" "$T/shrink$j.log.gz" \
        2>"$T/shrinkgz$j.err" &
    pid=$!
    sleep 0.1
    truncate -s $((2 * MB)) "$T/shrink$j.log.gz"
    wait $pid
    rc=$?
    if [ $rc -le 1 ]; then
        skip ".gz cut during the scan, -j$j" "the scan finished before the cut"
    else
        check_eval ".gz cut during the scan, -j$j: exit 2, one error naming it, hits kept" \
            '[ $rc -eq 2 ] && [ "$(grep -c "shrink$j.log.gz" "$T/shrinkgz$j.err")" = 1 ] &&
             grep -q "198.51.100.7" "$T/shrinkgz$j.hits"' \
            "exit $rc, stderr: $(head -c 300 "$T/shrinkgz$j.err")"
    fi
done
rm -f "$T/gz1.log.gz" "$T"/shrink[12].log.gz

# ---- a database rewritten in place during a scan ----------------------------
# `cp new.tdb iocs.tdb` truncates the file trawl loaded: the database is read
# into memory, not mapped, so the scan goes on with what it loaded.
cp "$T/iocs.tdb" "$T/inplace.tdb"
{ sleep 0.6; echo "GET http://evil.example.com/ from 198.51.100.7"; } |
    "$TRAWL" scan -d "$T/inplace.tdb" -o "$T/inplace.hits" - 2>"$T/inplace.err" &
pid=$!
sleep 0.3
: >"$T/inplace.tdb"
wait $pid
rc=$?
check_eval "database truncated in place during a scan: no crash, hits still found" \
    '[ $rc -eq 0 ] && [ "$(grep -c . "$T/inplace.hits")" = 2 ]' \
    "exit $rc, $(grep -c . "$T/inplace.hits") hits, stderr: $(head -c 200 "$T/inplace.err")"

# ---- a file that vanishes after the walk ------------------------------------
# One worker: the walk queues a-big then b-small; b is removed while a is
# scanned. Expect an error naming b, exit 2, and all of a's hits.
mkdir "$T/vanish"
ln -s "$big" "$T/vanish/a-big.log"
cp "$T/small.log" "$T/vanish/b-small.log"
"$TRAWL" scan -d "$T/iocs.tdb" -j 1 -o "$T/vanish.hits" "$T/vanish" 2>"$T/vanish.err" &
pid=$!
sleep 0.2
rm -f "$T/vanish/b-small.log"
wait $pid
rc=$?
n=$(grep -c '"file":"[^"]*a-big.log"' "$T/vanish.hits")
if grep -q 'b-small.log' "$T/vanish.hits"; then
    skip "vanished file" "b-small.log was scanned before it was removed"
else
    check_eval "file vanished after the walk: exit 2, error names it, other file complete" \
        '[ $rc -eq 2 ] && grep -q "b-small.log" "$T/vanish.err" && [ "$n" -eq $((NMB + 1)) ]' \
        "exit $rc, $n hits of a-big, stderr: $(head -c 300 "$T/vanish.err")"
fi

# ---- a file that shrinks while it is mapped ---------------------------------
# truncate(1) while one worker scans it: the pages past the new end are gone
# and touching them raises SIGBUS, which trawl must turn into an error for
# that file. The file is log text scanned with UTF-16LE narrowing on, slow
# enough (a few hundred MB/s) for the truncation to land mid-scan; if the scan
# still wins the race the case is skipped, not passed.
awk 'BEGIN { for (i = 0; i < 3000000; i++)
        printf "Nov 23 10:00:%02d gw sshd[%d]: Failed password for root from 198.51.100.%d port %d ssh2\n",
            i % 60, 1000 + i % 9000, i % 250, 1024 + i % 60000 }' >"$T/shrink.log"
size=$(stat -c %s "$T/shrink.log")
# (Hyperscan will not free a scratch left "in use" by the jump out of a scan:
# its 2 KB stay behind, so a sanitizer build must not count them as a leak.)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    "$TRAWL" scan -d "$T/iocs.tdb" -j 1 --utf16 on -o "$T/shrink.hits" "$T/shrink.log" \
    "$T/small.log" 2>"$T/shrink.err" &
pid=$!
sleep 0.05
truncate -s $((4 * MB)) "$T/shrink.log"
wait $pid
rc=$?
rm -f "$T/shrink.log"
small=$(grep -c '"file":"[^"]*small.log"' "$T/shrink.hits")
if [ $rc -ge 128 ]; then
    check_eval "file shrunk while mapped: no crash" 'false' \
        "killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
elif [ $rc -ne 2 ] && ! grep -q 'shrank' "$T/shrink.err"; then
    skip "file shrunk while mapped" "the scan of $size bytes ended before the truncation"
else
    check_eval "file shrunk while mapped: no crash, exit 2, one message, later file scanned" \
        '[ $rc -eq 2 ] && [ "$(grep -c shrank "$T/shrink.err")" -eq 1 ] && [ "$small" -eq 2 ]' \
        "exit $rc, $small hits in small.log, stderr: $(head -c 300 "$T/shrink.err")"
fi

# ---- a file that shrinks while its hits are being sent ----------------------
# Hits are formatted from the mapping (line numbers, context extracts) and
# handed to sinks that take locks: the aggregation table's under
# --aggregate, each sink's own. A page that vanishes must fault while no
# such lock is held, or the jump out of the fault leaves it held and the
# scan hangs. The files (four scan steps of 1 MiB) hold one hit of a
# distinct indicator per line, so under --aggregate nearly all of the scan
# is formatting new entries; a background loop truncates each file some
# time after it shows up in /proc/PID/maps, that is while it is scanned
# (with the mapping read before the hits go to the sinks, a truncation
# during one step faults in the next). What must hold whenever a truncation
# was seen (an error naming a file): the scan ends (a timeout is a failure),
# exit 2, and the hits written, small.log's among them, are whole JSON
# lines. A run where every truncation missed is repeated, twice at most.
NDENSE=5000
awk -v n=$NDENSE 'BEGIN { for (i = 0; i < n; i++) printf "h%d.mal%d.example.org\n", i, i % 313
        print "evil.example.com"; print "198.51.100.7" }' >"$T/dense.txt"
awk -v n=$NDENSE 'BEGIN { pad = sprintf("%700s", ""); gsub(/ /, "A", pad)
    for (i = 0; i < n; i++)
        printf "Nov 23 10:00:%02d gw proxy[%d]: CONNECT h%d.mal%d.example.org:443 from 10.0.%d.%d ua=%s\n",
            i % 60, 1000 + i % 9000, i, i % 313, i % 250, i % 200, pad }' >"$T/dense.log"
valid_json() { # file -> exit 0 when every line is one JSON object
    if command -v python3 >/dev/null; then
        python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8", errors="strict"):
    assert isinstance(json.loads(l), dict)' "$1" 2>/dev/null
    else # no parser: every line at least opens and closes an object
        ! grep -qv '^{.*}$' "$1"
    fi
}
# Truncates every file of dir (*.log) once, some time after pid has mapped
# it: file k waits (2 + k % 6) tenths of `ms`, the time a whole file takes,
# to land in the middle of its scan. Kills pid when it still runs after
# `limit` seconds (then prints "hung").
truncate_mapped() { # pid, dir, log of truncated files, ms, limit
    local f k=0 now end=$((SECONDS + $5))
    local -A due=()
    while kill -0 "$1" 2>/dev/null; do
        now=${EPOCHREALTIME/./}
        while read -r f; do
            if [ -z "${due[$f]:-}" ]; then
                due[$f]=$((now + $4 * 100 * (2 + k % 6)))
                k=$((k + 1))
            elif [ "${due[$f]}" -gt 0 ] && [ "$now" -ge "${due[$f]}" ]; then
                truncate -s 0 "$f" && echo "$f" >>"$3"
                due[$f]=0
            fi
        done < <(grep -o "$2/[^ ]*\.log" "/proc/$1/maps" 2>/dev/null | sort -u)
        if [ $SECONDS -ge $end ]; then
            kill -KILL "$1" 2>/dev/null
            echo hung
            return
        fi
        sleep 0.005
    done
}
shrink_emit() { # name, scan options...
    local name=$1 rc n small cut hung dir ms s
    shift
    dir=$(cd "$T" && pwd -P)/se
    # how long one file takes, undisturbed
    s=${EPOCHREALTIME/./}
    "$TRAWL" scan -d "$T/dense.tdb" "$@" -o /dev/null "$T/dense.log" 2>/dev/null
    ms=$(((${EPOCHREALTIME/./} - s) / 1000))
    for _ in 1 2 3; do
        rm -rf "$dir"
        mkdir "$dir"
        for i in 01 02 03 04 05 06 07 08 09 10 11 12; do cp "$T/dense.log" "$dir/d$i.log"; done
        : >"$T/se.cut"
        # small.log last: scanned after the dense files (by one worker: after all of them)
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
            "$TRAWL" scan -d "$T/dense.tdb" "$@" -o "$T/se.hits" "$dir" "$T/small.log" \
            2>"$T/se.err" &
        local pid=$!
        hung=$(truncate_mapped $pid "$dir" "$T/se.cut" "$ms" 60)
        { wait $pid; } 2>/dev/null # no "Killed" line from the shell
        rc=$?
        [ -n "$hung" ] && break
        grep -q shrank "$T/se.err" && break
    done
    cut=$(grep -c . "$T/se.cut")
    if [ -n "$hung" ]; then
        notok "$name" "the scan hung (killed after 60 s) after $cut truncations, stderr: $(head -c 300 "$T/se.err")"
    elif [ $rc -ge 128 ]; then
        notok "$name" "killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
    elif ! grep -q shrank "$T/se.err"; then
        skip "$name" "no truncation landed mid-scan in 3 runs ($cut truncated)"
    else
        n=$(grep -c . "$T/se.hits")
        small=$(grep -c '"file":"[^"]*small.log"' "$T/se.hits")
        check_eval "$name: ends, exit 2, shrink reported, hits are whole JSON lines" \
            '[ $rc -eq 2 ] && [ "$small" -eq 2 ] && valid_json "$T/se.hits"' \
            "exit $rc, $n hits ($small of small.log), $cut truncated, stderr: $(head -c 300 "$T/se.err")"
    fi
}
if ! "$TRAWL" compile -o "$T/dense.tdb" "$T/dense.txt" >"$T/compile.out" 2>&1; then
    notok "setup: compile dense" "$(head -3 "$T/compile.out")"
else
    shrink_emit "files shrunk while their hits are sent, --aggregate" -j 1 --aggregate 3600
    shrink_emit "files shrunk while their hits are sent, --aggregate -j 2" -j 2 --aggregate 3600
    shrink_emit "files shrunk while their hits are sent, -j 2" -j 2
fi

tap_summary
