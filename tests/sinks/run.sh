#!/usr/bin/env bash
# Sinks end to end: TLP ceilings (RED never leaks), redaction, JSONL append and
# rotation, several sinks at once, aggregation, write failures.
set -u
BIN=${TRAWL_BIN:?TRAWL_BIN not set}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
cd "$TMP" || exit 2

cat >iocs.csv <<'CSV'
type,value,tlp,severity,source
domain,clear.example,clear,low,S1
domain,green.example,green,medium,S1
domain,amber.example,amber,high,S2
domain,strict.example,amber+strict,high,S2
domain,red-secret.example,red,critical,S3
CSV
"$BIN" compile -q -o db.tdb iocs.csv || { echo "not ok - compile"; echo "0 passed, 1 failed"; exit 1; }
# every line holds all five, so contexts must not show what a sink may not see
for i in $(seq 1 50); do
    echo "line $i clear.example green.example amber.example strict.example red-secret.example"
done >in.log

# default ceiling: amber+strict, RED withheld and counted
"$BIN" scan -d db.tdb in.log >def.jsonl 2>def.err
check_eval "default output withholds RED" "! grep -q red-secret def.jsonl && [ \$(wc -l <def.jsonl) -eq 200 ]"
check_eval "summary counts the withheld hits" "grep -q '50 withheld' def.err" "$(cat def.err)"
"$BIN" scan -q -d db.tdb --max-tlp red in.log >red.jsonl
check_eval "--max-tlp red lets RED through" "[ \$(grep -c '\"value\":\"red-secret.example\"' red.jsonl) -eq 50 ]"
check_eval "with a red ceiling contexts are not masked" "! grep -q '\*\*\*' red.jsonl"
check_eval "contexts below the ceiling mask the RED text" "[ \$(grep -c 'strict.example \*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*' def.jsonl) -eq 200 ]"

# a green ceiling on a JSONL sink, stdout at the default, both at once
"$BIN" scan -q -d db.tdb --sink stdout --sink "jsonl:$TMP/green.jsonl,max-tlp=green" in.log >both.jsonl
check_eval "two sinks receive their own share" "[ \$(wc -l <both.jsonl) -eq 200 ] && [ \$(wc -l <green.jsonl) -eq 100 ]"
check_eval "green sink has only clear and green" "! grep -Eq '\"tlp\":\"(amber|amber\\+strict|red)\"' green.jsonl"
check_eval "RED leaks nowhere" "! grep -q red-secret both.jsonl green.jsonl"

# redaction: above the ceiling the value becomes the id and the context goes
"$BIN" scan -q -d db.tdb --sink "jsonl:$TMP/redact.jsonl,max-tlp=green,redact" in.log
check_eval "redacted sink gets every hit" "[ \$(wc -l <redact.jsonl) -eq 250 ]"
check_eval "redacted values are ids, never the text" \
    "! grep -Eq 'red-secret|amber\\.example|strict\\.example' redact.jsonl && [ \$(grep -c '\"value\":\"ioc-[0-9]*\"' redact.jsonl) -eq 150 ]"
check_eval "redacted hits carry no context" "! grep '\"redacted\":true' redact.jsonl | grep -q context"

# JSONL appends, and rotates by size
"$BIN" scan -q -d db.tdb --sink "jsonl:$TMP/app.jsonl" in.log
"$BIN" scan -q -d db.tdb --sink "jsonl:$TMP/app.jsonl" in.log
check_eval "jsonl appends across runs" "[ \$(wc -l <app.jsonl) -eq 400 ]"
"$BIN" scan -d db.tdb --sink "jsonl:$TMP/rot.jsonl,rotate=8k" in.log 2>rot.err
total=$(cat rot.jsonl* | wc -l)
check_eval "rotation keeps every hit across files" "[ $total -eq 200 ] && [ -f rot.jsonl.1 ] && [ -f rot.jsonl.2 ]" "total $total, files: $(ls rot.jsonl* | tr '\n' ' ')"
check_eval "generations are in order: PATH.1 holds the first hits" "head -1 rot.jsonl.1 | grep -q '\"line\":1,'"
big=$(for f in rot.jsonl*; do stat -c %s "$f"; done | sort -n | tail -1)
check_eval "rotated files stay near the size limit" "[ $big -le 9000 ]" "largest $big"
check_eval "rotations are counted" "grep -q 'rotation' rot.err"
ids=$(cat rot.jsonl* | grep -o '"hit_id":"[0-9a-f]*"' | sort -u | wc -l)
check_eval "hit ids are unique and stable" "[ $ids -eq 200 ]"
"$BIN" scan -q -d db.tdb in.log >again.jsonl
check_eval "the same scan gives the same hit ids" \
    "diff <(grep -o '\"hit_id\":\"[0-9a-f]*\"' def.jsonl | sort) <(grep -o '\"hit_id\":\"[0-9a-f]*\"' again.jsonl | sort) >/dev/null"

# aggregation
"$BIN" scan -q -d db.tdb --max-tlp red --aggregate 60 in.log >agg.jsonl
check_eval "aggregation emits one line per indicator and file" "[ \$(wc -l <agg.jsonl) -eq 5 ]"
check_eval "aggregated lines carry the count and first/last seen" \
    "[ \$(grep -c '\"count\":50,\"first_seen\":\"[^\"]*\",\"last_seen\":\"[^\"]*\",\"last_offset\":[0-9]*}' agg.jsonl) -eq 5 ]"

# failures
"$BIN" scan -q -d db.tdb --sink "jsonl:/dev/full" in.log >/dev/null 2>full.err
rc=$?
check_eval "a full disk gives exit 2 and a message" "[ $rc -eq 2 ] && grep -q 'No space left' full.err" "rc $rc: $(cat full.err)"
"$BIN" scan -q -d db.tdb --sink "bogus:x" in.log >/dev/null 2>bad.err
rc=$?
check_eval "an unknown sink is refused with one line" "[ $rc -eq 2 ] && [ \$(wc -l <bad.err) -eq 1 ] && grep -q 'bogus:x' bad.err" "rc $rc: $(cat bad.err)"
"$BIN" scan -q -d db.tdb --sink "stdout,max-tlp=purple" in.log >/dev/null 2>bad2.err
check_eval "a bad ceiling is refused" "[ \$? -eq 2 ] && grep -q 'max-tlp' bad2.err"
"$BIN" scan -q -d db.tdb --sink "jsonl:$TMP/nodir/x.jsonl" in.log >/dev/null 2>nodir.err
check_eval "an unwritable JSONL path is refused" "[ \$? -eq 2 ] && grep -q 'nodir/x.jsonl' nodir.err"

tap_summary
