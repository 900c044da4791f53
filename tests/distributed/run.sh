#!/usr/bin/env bash
# trawl submit / worker / status against a real redis-server started here on a
# free loopback port (AOF on), with several worker processes on this machine:
# every job done once in effect (the union of the workers' hits equals a local
# `trawl scan`), a worker killed with -9 in the middle of a job (its job is
# taken over, nothing is lost, the only duplicates are that job's hits, with
# the same hit ids), SIGTERM, the database fetched into an empty or damaged
# cache, failed jobs (unknown database, missing file, malformed entry), and the
# throughput of two workers against one. One line per check, "ok - NAME" or
# "not ok - NAME: DETAIL", then "N passed, M failed".
#
# Environment: TRAWL_BIN (required), TRAWL_GEN (trawl-gen; an awk generator
# stands in without it). Skips (exit 77) without redis-server.
set -u
export LC_ALL=C

TRAWL=${TRAWL_BIN:-}
if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
fi
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")
GEN=${TRAWL_GEN:-}
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "ok - distributed # SKIP redis-server/redis-cli not installed (tools/bootstrap.sh --test)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-dist.XXXXXX") || exit 2
TMP=$(cd "$TMP" && pwd -P)
PIDS=()
RPID=
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ -n "$RPID" ]; then
        kill -9 "$RPID" 2>/dev/null
        wait "$RPID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
T0=$(date +%s)

# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
TIMEOUT=$(command -v timeout || true)
run() { if [ -n "$TIMEOUT" ]; then "$TIMEOUT" 120 "$@"; else "$@"; fi; }
now() { date +%s.%N; }

# A free loopback port (tests/lib/ports.sh); another one if a server of
# another suite takes it before ours binds it.
# shellcheck source=tests/lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ports.sh"
rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
mkdir -p "$TMP/redis"
up=
for _ in 1 2 3 4 5; do
    PORT=$(free_port) || PORT=6398
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync no \
        --dir "$TMP/redis" --logfile "$TMP/redis/redis.log" --daemonize no &
    RPID=$!
    for _ in $(seq 100); do
        redis_is "$PORT" "$RPID" && up=1 && break
        kill -0 "$RPID" 2>/dev/null || break # did not bind: exited
        sleep 0.05
    done
    [ -n "$up" ] && break
    kill -9 "$RPID" 2>/dev/null
    wait "$RPID" 2>/dev/null
    RPID=
done
if [ -z "$up" ]; then
    echo "not ok - redis-server: did not start on port $PORT"
    tail -5 "$TMP/redis/redis.log"
    echo "0 passed, 1 failed"
    exit 1
fi
R=redis://127.0.0.1:$PORT

# ---- corpus and reference ------------------------------------------------------
# (the generator is a helper here, not under test: its leaks are not checked)
# gen DIR COUNT SIZE: COUNT log files of SIZE bytes with planted indicators
gen() {
    local dir=$1 n=$2 size=$3 i
    mkdir -p "$dir"
    for i in $(seq -w 1 "$n"); do
        if [ -n "$GEN" ] && [ -x "$GEN" ]; then
            ASAN_OPTIONS=detect_leaks=0 "$GEN" logs --size "$size" --seed "$((10#$i + ${4:-0}))" --iocs "$TMP/iocs.csv" \
                -o "$dir/f$i.log" 2>/dev/null || return 1
        else
            awk -v n="$size" -v s="$((10#$i))" 'BEGIN {
                srand(s); split("evil-updates.example 203.0.113.77 http://dl.bad.example/payload.bin clear-c2.example", v, " ")
                while (b < n) { l = sprintf("%d host%d GET /%d ok", b, int(rand() * 1000), int(rand() * 99999))
                    if (rand() < 0.02) l = l " " v[1 + int(rand() * 4)]
                    print l; b += length(l) + 1 } }' >"$dir/f$i.log"
        fi
    done
}
if [ -n "$GEN" ] && [ -x "$GEN" ]; then
    ASAN_OPTIONS=detect_leaks=0 "$GEN" iocs --count 300 --seed 7 -o "$TMP/iocs.csv" 2>/dev/null
else
    printf '%s\n' "type,value,tlp,severity" "domain,evil-updates.example,green,high" \
        "ipv4,203.0.113.77,amber,medium" "url,http://dl.bad.example/payload.bin,red,critical" \
        "domain,clear-c2.example,clear,low" >"$TMP/iocs.csv"
fi
if ! run "$TRAWL" compile -q -o "$TMP/db.tdb" "$TMP/iocs.csv" >/dev/null ||
    ! gen "$TMP/ev" 20 2000000; then
    echo "not ok - setup: cannot build the indicators or the corpus"
    echo "0 passed, 1 failed"
    exit 1
fi
DB=$TMP/db.tdb
SUM=$("$TRAWL" info "$DB" | sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p')
EV=$TMP/ev

# hit lines -> "file offset value" / hit ids / "hit_id file"
triples() {
    sed -E 's/.*"ioc":\{"id":[0-9]+,"value":"(([^"\\]|\\.)*)".*"file":"(([^"\\]|\\.)*)","offset":([0-9]+),.*/\3 \5 \1/' "$@"
}
ids() { sed -E 's/.*"hit_id":"([0-9a-f]+)".*/\1/' "$@"; }
id_files() { sed -E 's/.*"hit_id":"([0-9a-f]+)".*"file":"(([^"\\]|\\.)*)","offset":.*/\1 \2/' "$@"; }
jnum() { grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2; }

run "$TRAWL" scan -q -d "$DB" --max-tlp red "$EV" >"$TMP/ref.jsonl"
triples "$TMP/ref.jsonl" | sort -u >"$TMP/ref.triples"
NREF=$(wc -l <"$TMP/ref.jsonl")
check "setup: the corpus has hits, RED ones too" "$NREF hits" \
    sh -c "[ $NREF -gt 100 ] && grep -q '\"tlp\":\"red\"' '$TMP/ref.jsonl'"

# worker NAME QUEUE [options...]: a worker in the background writing NAME.jsonl
worker() {
    local name=$1 q=$2
    shift 2
    "$TRAWL" worker --queue "$q" --name "$name" --sink "jsonl:$TMP/$name.jsonl,max-tlp=red" \
        --cache "$TMP/cache-$name" "$@" 2>"$TMP/$name.err" &
    LASTPID=$!
    PIDS+=("$LASTPID")
}
# waitpid PID SECONDS: 0 if it exited in time (its status in WST)
waitpid() {
    local p=$1 n=$(($2 * 20))
    while kill -0 "$p" 2>/dev/null && [ "$n" -gt 0 ]; do
        sleep 0.05
        n=$((n - 1))
    done
    if kill -0 "$p" 2>/dev/null; then
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
        WST=137
        return 1
    fi
    wait "$p"
    WST=$?
    return 0
}

# ---- 1: two workers, every job once --------------------------------------------
Q1=$R/t1:jobs
run "$TRAWL" submit -q --queue "$Q1" -d "$DB" --job-size 0 "$EV" 2>"$TMP/sub1.err"
RC=$?
check "submit: exit 0" "exit $RC: $(head -3 "$TMP/sub1.err")" [ "$RC" -eq 0 ]
check "submit: one entry per file" "XLEN $(rcli XLEN t1:jobs)" [ "$(rcli XLEN t1:jobs)" = 20 ]
check "submit: the database is stored under its checksum" "no key trawl:db:$SUM" \
    [ "$(rcli STRLEN "trawl:db:$SUM")" = "$(wc -c <"$DB" | tr -d ' ')" ]
"$TRAWL" status --queue "$Q1" --json >"$TMP/st1a.json"
check "status: 20 queued before any worker" "$(cat "$TMP/st1a.json")" \
    grep -q '"queued":20,"running":0,"done":0' "$TMP/st1a.json"
worker w1 "$Q1" --exit-when-idle
P1=$LASTPID
worker w2 "$Q1" --exit-when-idle --db "$DB"
P2=$LASTPID
waitpid "$P1" 60
S1=$WST
waitpid "$P2" 60
S2=$WST
check "workers: exit 0 when the queue is drained" "w1 $S1, w2 $S2: $(tail -n 2 "$TMP/w1.err" "$TMP/w2.err")" \
    [ "$S1" = 0 -a "$S2" = 0 ]
run "$TRAWL" status --queue "$Q1" --wait --timeout 20 --json >"$TMP/st1.json"
check "status: 20 done, nothing queued, running or failed" "$(cat "$TMP/st1.json")" \
    grep -q '"submitted":20,"queued":0,"running":0,"done":20,"failed":0,"run_twice":0' "$TMP/st1.json"
cat "$TMP/w1.jsonl" "$TMP/w2.jsonl" >"$TMP/all1.jsonl" 2>/dev/null
triples "$TMP/all1.jsonl" | sort -u >"$TMP/all1.triples"
check "jobs: the hits equal a local scan (file, offset, value)" \
    "$(diff "$TMP/ref.triples" "$TMP/all1.triples" | head -5)" \
    cmp -s "$TMP/ref.triples" "$TMP/all1.triples"
check "jobs: no hit twice" "$(ids "$TMP/all1.jsonl" | sort | uniq -d | head -3)" \
    [ "$(wc -l <"$TMP/all1.jsonl")" = "$NREF" -a -z "$(ids "$TMP/all1.jsonl" | sort | uniq -d)" ]
check "jobs: hit ids carry the job (they differ from a local scan's)" "" \
    [ -z "$(comm -12 <(ids "$TMP/ref.jsonl" | sort) <(ids "$TMP/all1.jsonl" | sort) | head -1)" ]
J1=$(jnum "$TMP/st1.json" jobs_done)
echo "# jobs per worker: $(grep -o '"name":"w[12]","state":"[a-z]*","jobs_done":[0-9]*' "$TMP/st1.json" |
    sed 's/"name":"\(w.\)".*"jobs_done":\([0-9]*\)/\1 \2/' | tr '\n' ' ')"
"$TRAWL" status --queue "$Q1" >"$TMP/st1.txt"
check "status: table lists both workers" "$(cat "$TMP/st1.txt")" \
    sh -c "grep -q '^jobs      20 submitted: 0 queued, 0 running, 20 done, 0 failed' '$TMP/st1.txt' &&
           grep -q '^  w1 ' '$TMP/st1.txt' && grep -q '^  w2 ' '$TMP/st1.txt'"
: "$J1"

# ---- 2: the database: fetched, local, damaged cache ----------------------------
check "db: a worker with an empty cache fetches it" "$(cat "$TMP/w1.err")" \
    sh -c "[ -s '$TMP/cache-w1/$SUM.tdb' ] && cmp -s '$TMP/cache-w1/$SUM.tdb' '$DB' &&
           grep -q 'fetched database $SUM' '$TMP/w1.err'"
check "db: a worker whose --db has the checksum fetches nothing" "$(ls "$TMP/cache-w2")" \
    [ -z "$(ls "$TMP/cache-w2")" ]
Q3=$R/t3:jobs
run "$TRAWL" submit -q --queue "$Q3" -d "$DB" --job-size 0 "$EV/f01.log" "$EV/f02.log"
mkdir -p "$TMP/cache-w3"
head -c 5000 "$DB" >"$TMP/cache-w3/$SUM.tdb" # a damaged copy
worker w3 "$Q3" --exit-when-idle
waitpid "$LASTPID" 30
check "db: a damaged cached copy is fetched again" "exit $WST: $(cat "$TMP/w3.err")" \
    sh -c "[ $WST = 0 ] && cmp -s '$TMP/cache-w3/$SUM.tdb' '$DB' &&
           [ \$(wc -l <'$TMP/w3.jsonl') -gt 0 ]"

# ---- 3: failed jobs are acknowledged with their reason --------------------------
Q4=$R/t4:jobs
rcli XGROUP CREATE t4:jobs trawl-workers 0 MKSTREAM >/dev/null
rcli XADD t4:jobs '*' id bad-db db 0123456789abcdef path "$EV/f01.log" >/dev/null
rcli XADD t4:jobs '*' id no-file db "$SUM" path "$TMP/nonexistent.log" >/dev/null
rcli XADD t4:jobs '*' id no-path db "$SUM" >/dev/null
rcli XADD t4:jobs '*' id good db "$SUM" path "$EV/f03.log" >/dev/null
rcli HINCRBY t4:jobs:stats submitted 4 >/dev/null
worker w4 "$Q4" --exit-when-idle
waitpid "$LASTPID" 30
check "failed: the worker goes on and exits 0" "exit $WST: $(cat "$TMP/w4.err")" [ "$WST" = 0 ]
run "$TRAWL" status --queue "$Q4" --json >"$TMP/st4.json"
check "failed: 3 failed, 1 done, nothing pending" "$(cat "$TMP/st4.json")" \
    grep -q '"queued":0,"running":0,"done":1,"failed":3' "$TMP/st4.json"
check "failed: unknown database named" "$(rcli HGET t4:jobs:job:bad-db error)" \
    grep -q "database 0123456789abcdef not found" <<<"$(rcli HGET t4:jobs:job:bad-db error)"
check "failed: missing file named" "$(rcli HGET t4:jobs:job:no-file error)" \
    grep -q "nonexistent.log" <<<"$(rcli HGET t4:jobs:job:no-file error)"
check "failed: malformed job" "$(rcli HGET t4:jobs:job:no-path error)" \
    grep -q "malformed" <<<"$(rcli HGET t4:jobs:job:no-path error)"
"$TRAWL" status --queue "$Q4" >"$TMP/st4.txt"
check "failed: status lists the reasons" "$(cat "$TMP/st4.txt")" \
    sh -c "grep -q '^  bad-db .*not found' '$TMP/st4.txt' && grep -q '^failed jobs (last 3)' '$TMP/st4.txt'"

# ---- 4: kill -9 in the middle of a job -------------------------------------------
# Worker A holds each job 4 s after its hits are written and before the ack
# (the worst moment to die: its hits are out, the job is not done). B runs the
# other jobs; A is killed; C joins; B or C takes A's job over after 2 s idle.
Q2=$R/t2:jobs
run "$TRAWL" submit -q --queue "$Q2" -d "$DB" --job-size 0 "$EV"
TRAWL_WORKER_TEST_DELAY=4 worker kA "$Q2" --claim-after 2000
PA=$LASTPID
for _ in $(seq 200); do
    [ -s "$TMP/kA.jsonl" ] && [ -n "$(rcli HGET t2:jobs:worker:kA busy_job)" ] && break
    sleep 0.05
done
AJOB=$(rcli HGET t2:jobs:worker:kA busy_job)
worker kB "$Q2" --claim-after 2000 --exit-when-idle
PB=$LASTPID
sleep 0.5
"$TRAWL" status --queue "$Q2" >"$TMP/st2a.txt"
check "kill: status shows A running a job" "$(cat "$TMP/st2a.txt")" \
    grep -Eq '^  kA +busy .* 1 ' "$TMP/st2a.txt"
kill -9 "$PA"
wait "$PA" 2>/dev/null
worker kC "$Q2" --claim-after 2000 --exit-when-idle
PC=$LASTPID
waitpid "$PB" 60
SB=$WST
waitpid "$PC" 60
SC=$WST
check "kill: the other workers exit 0" "B $SB, C $SC" [ "$SB" = 0 -a "$SC" = 0 ]
run "$TRAWL" status --queue "$Q2" --wait --timeout 20 --json >"$TMP/st2.json"
check "kill: every job done once" "$(cat "$TMP/st2.json")" \
    grep -q '"submitted":20,"queued":0,"running":0,"done":20,"failed":0,"run_twice":0' "$TMP/st2.json"
cat "$TMP/kA.jsonl" "$TMP/kB.jsonl" "$TMP/kC.jsonl" >"$TMP/all2.jsonl" 2>/dev/null
triples "$TMP/all2.jsonl" | sort -u >"$TMP/all2.triples"
check "kill: nothing lost (the hits equal a local scan)" \
    "$(diff "$TMP/ref.triples" "$TMP/all2.triples" | head -5)" \
    cmp -s "$TMP/ref.triples" "$TMP/all2.triples"
check "kill: distinct hit ids = hits of a local scan" "$(ids "$TMP/all2.jsonl" | sort -u | wc -l) vs $NREF" \
    [ "$(ids "$TMP/all2.jsonl" | sort -u | wc -l)" = "$NREF" ]
AFILES=$(id_files "$TMP/kA.jsonl" | cut -d' ' -f2- | sort -u | wc -l)
check "kill: A wrote the hits of one job" "$AFILES files, $(wc -l <"$TMP/kA.jsonl") hits" \
    sh -c "[ $AFILES = 1 ] && [ -s '$TMP/kA.jsonl' ]"
check "kill: the re-run gave A's hits the same ids" \
    "$(comm -23 <(ids "$TMP/kA.jsonl" | sort -u) <(cat "$TMP/kB.jsonl" "$TMP/kC.jsonl" | ids | sort -u) | head -3)" \
    [ -z "$(comm -23 <(ids "$TMP/kA.jsonl" | sort -u) <(cat "$TMP/kB.jsonl" "$TMP/kC.jsonl" | ids | sort -u))" ]
check "kill: the only duplicates are the killed job's hits" \
    "$(ids "$TMP/all2.jsonl" | sort | uniq -d | wc -l) duplicated, A wrote $(wc -l <"$TMP/kA.jsonl")" \
    cmp -s <(ids "$TMP/all2.jsonl" | sort | uniq -d) <(ids "$TMP/kA.jsonl" | sort -u)
check "kill: the job was taken over (second delivery, another worker)" \
    "$(rcli HGETALL "t2:jobs:job:$AJOB" | tr '\n' ' ')" \
    sh -c "[ '$(rcli HGET "t2:jobs:job:$AJOB" state)' = done ] &&
           [ '$(rcli HGET "t2:jobs:job:$AJOB" worker)' != kA ] &&
           [ '$(rcli HGET "t2:jobs:job:$AJOB" attempt)' = 2 ]"

# ---- 5: SIGTERM: the worker stops cleanly, the job still gets done -----------------
Q5=$R/t5:jobs
run "$TRAWL" submit -q --queue "$Q5" -d "$DB" --job-size 0 "$EV/f01.log" "$EV/f02.log"
TRAWL_WORKER_TEST_DELAY=2 worker tA "$Q5"
PA=$LASTPID
for _ in $(seq 200); do
    [ -n "$(rcli HGET t5:jobs:worker:tA busy_job)" ] && break
    sleep 0.05
done
kill -TERM "$PA"
waitpid "$PA" 10
check "sigterm: exit 0 within seconds, marked stopped" "exit $WST: $(cat "$TMP/tA.err")" \
    sh -c "[ $WST = 0 ] && [ '$(rcli HGET t5:jobs:worker:tA state)' = stopped ]"
worker tB "$Q5" --exit-when-idle --claim-after 60000
waitpid "$LASTPID" 30
run "$TRAWL" status --queue "$Q5" --json >"$TMP/st5.json"
check "sigterm: both jobs done, no claim timeout waited for" "$(cat "$TMP/st5.json")" \
    grep -q '"queued":0,"running":0,"done":2,"failed":0' "$TMP/st5.json"

# ---- 6: throughput, two workers against one ------------------------------------------
# Each worker with -j 1 stands for a one-core machine; then with every core
# (on a 2-core host two such workers share the cores, so expect about 1x).
gen "$TMP/big" 24 16000000 100
"$TRAWL" scan -q -d "$DB" "$TMP/big" >/dev/null # warm the page cache
BIGB=$(cat "$TMP/big"/* | wc -c)
# tp NAME NWORKERS [worker options]: MB/s from the first job's start to the
# last job's end, as the workers recorded them in the job hashes (process
# start-up and the idle check at the end are not the scan's throughput)
tp() {
    local name=$1 n=$2 i pids=() span
    shift 2
    run "$TRAWL" submit -q --queue "$R/$name:jobs" -d "$DB" --job-size 0 "$TMP/big"
    for i in $(seq "$n"); do
        worker "$name-$i" "$R/$name:jobs" --exit-when-idle -q "$@"
        pids+=("$LASTPID")
    done
    for i in "${pids[@]}"; do
        waitpid "$i" 120
        [ "$WST" = 0 ] || echo "$name: a worker exited $WST" >>"$TMP/tp.err"
    done
    span=$(rcli EVAL "local a, z
        for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
            local s = tonumber(redis.call('HGET', k, 'started'))
            local f = tonumber(redis.call('HGET', k, 'finished'))
            if s and (not a or s < a) then a = s end
            if f and (not z or f > z) then z = f end
        end
        return tostring(z - a)" 0 "$name:jobs:job:*")
    awk -v b="$BIGB" -v t="$span" 'BEGIN {printf "%.1f", (t > 0 ? b / 1e6 / t : 0)}'
}
TP1=$(tp tp1 1 -j 1)
TP2=$(tp tp2 2 -j 1)
TPA1=$(tp tpa1 1)
TPA2=$(tp tpa2 2)
R1=$(awk -v a="$TP1" -v b="$TP2" 'BEGIN {printf "%.2f", b / a}')
RA=$(awk -v a="$TPA1" -v b="$TPA2" 'BEGIN {printf "%.2f", b / a}')
echo "# throughput, $((BIGB / 1000000)) MB in 24 jobs, $(nproc 2>/dev/null || echo ?) cores:" \
    "-j 1: 1 worker $TP1 MB/s, 2 workers $TP2 MB/s (${R1}x);" \
    "all cores: 1 worker $TPA1 MB/s, 2 workers $TPA2 MB/s (${RA}x)"
check "throughput: two one-core workers beat 0.8x of one" "${R1}x" \
    awk -v r="$R1" 'BEGIN {exit !(r > 0.8)}'
check "throughput: every worker exited 0" "$(cat "$TMP/tp.err" 2>/dev/null)" [ ! -s "$TMP/tp.err" ]
for n in tp1 tp2 tpa1 tpa2; do
    grep -q '"done":24,"failed":0' <("$TRAWL" status --queue "$R/$n:jobs" --json) ||
        notok "throughput: $n jobs" "$("$TRAWL" status --queue "$R/$n:jobs")"
done

echo "# $(($(date +%s) - T0)) s"
tap_summary
