#!/usr/bin/env bash
# trawl end-to-end tests: drives the real binary over every case directory in
# tests/e2e/<case>/, then checks the command line (exit codes, messages,
# damaged databases and archives, stdin, -o, threads and chunking), a
# generated corpus with planted truth (trawl-gen) and the third-party corpus
# cases beside the project. One line per check, "ok - NAME" or
# "not ok - NAME: DETAIL", then "N passed, M failed[, K skipped]".
#
# Usage: run.sh [E2E_DIR]   (meson passes its source dir)
# Environment: TRAWL_BIN (required), TRAWL_GEN, TRAWL_CORPUS, TRAWL_SRCDIR.
# Needs only bash, coreutils, awk, grep, sed, gzip: no jq, no python.
#
# A case directory holds:
#   iocs.*        indicator files, compiled together (after setup.sh ran)
#   input*        files or directories scanned (relative names, in order)
#   expected      expected hits, sorted: OFFSET<TAB>VALUE, or
#                 FILE<TAB>OFFSET<TAB>VALUE when the case scans several files;
#                 VALUE as in the JSON with only \" \\ \/ unescaped
#   args          optional extra scan arguments (split on blanks)
#   compile_args  optional extra compile arguments
#   expect_exit   optional scan exit status (default: 0 with hits, 1 without)
#   compile_exit  optional compile exit status (default 0)
#   compile_stderr optional lines that must appear in compile's stderr
#   must_contain  optional fixed strings that must each appear in some hit line
#   setup.sh      optional bash script run first in a scratch copy of the case
#                 (sibling cases are at ../NAME), e.g. to build .gz or UTF-16
#                 inputs from committed plain text
# shellcheck disable=SC2016 # eval '...' conditions expand when checked
set -u
shopt -s lastpipe # `printf ... | t scan -` sets RC in this shell
export LC_ALL=C

E2E_DIR=${1:-$(cd "$(dirname "$0")" && pwd)}
E2E_DIR=$(cd "$E2E_DIR" && pwd)
TRAWL=${TRAWL_BIN:-}
GEN=${TRAWL_GEN:-}
CORPUS=${TRAWL_CORPUS:-}
SRCDIR=${TRAWL_SRCDIR:-$(cd "$E2E_DIR/../.." && pwd)}

if [ -z "$TRAWL" ] || [ ! -x "$TRAWL" ]; then
    echo "run.sh: TRAWL_BIN must name the built trawl binary" >&2
    exit 2
fi
TRAWL=$(cd "$(dirname "$TRAWL")" && pwd)/$(basename "$TRAWL")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trawl-e2e.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
T0=$(date +%s)

# Results are counted from the output log at the end, so checks may run in
# subshells and pipelines.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"

# Every run of the binary goes through here: bounded in time, and a death by
# signal (ASan abort, SIGSEGV) is reported as a crash whatever was expected.
TIMEOUT=$(command -v timeout || true)
RC=0
run() {
    if [ -n "$TIMEOUT" ]; then "$TIMEOUT" 120 "$@"; else "$@"; fi
}
# t ARGS...: runs trawl, sets RC
t() {
    run "$TRAWL" "$@"
    RC=$?
}
crashed() { [ "$RC" -ge 124 ]; }
rcdesc() {
    if [ "$RC" -eq 124 ]; then echo "timed out"; elif [ "$RC" -ge 128 ]; then
        echo "CRASHED (exit $RC, signal $((RC - 128)))"; else echo "exit $RC"; fi
}

# hits FILE: "FILE<TAB>OFFSET<TAB>VALUE" per JSON hit line. The ioc value is
# the first "value" key; "file" and "offset" follow the ioc object. Escaped
# quotes and backslashes are undone; other escapes (\n, \u00XX) are kept.
hits() {
    awk '
    function jstr(s,   v, c) { # s starts after the opening quote
        v = ""
        while (length(s)) {
            c = substr(s, 1, 1)
            if (c == "\\") {
                c = substr(s, 2, 1)
                v = v (c == "\"" || c == "\\" || c == "/" ? c : "\\" c)
                s = substr(s, 3)
                continue
            }
            if (c == "\"") break
            v = v c
            s = substr(s, 2)
        }
        return v
    }
    /"event_type":"ioc"/ {
        i = index($0, "\"value\":\""); if (!i) next
        v = jstr(substr($0, i + 9))
        j = index($0, ",\"file\":\""); if (!j) next
        f = jstr(substr($0, j + 9))
        k = index($0, ",\"offset\":"); if (!k) next
        o = substr($0, k + 10); sub(/[^0-9].*/, "", o)
        print f "\t" o "\t" v
    }' "$1"
}

# setdiff WANT GOT: prints "missing ...; unexpected ..." (first 3 of each)
setdiff() {
    local miss extra
    miss=$(comm -23 "$1" "$2" | head -3 | tr '\t\n' ' |')
    extra=$(comm -13 "$1" "$2" | head -3 | tr '\t\n' ' |')
    echo "$(comm -23 "$1" "$2" | wc -l) missing [${miss}], $(comm -13 "$1" "$2" | wc -l) unexpected [${extra}]"
}

# ---------------------------------------------------------------------------
# Cases

run_case() {
    local name=$1 dir=$TMP/cases/$1
    (
        cd "$dir" || exit 1
        if [ -f setup.sh ] && ! bash setup.sh >setup.log 2>&1; then
            notok "case $name" "setup.sh failed: $(tail -1 setup.log)"
            exit 0
        fi
        local iocs=() inputs=() cargs=() sargs=() f
        for f in iocs.*; do [ -e "$f" ] && iocs+=("$f"); done
        for f in input*; do [ -e "$f" ] && inputs+=("$f"); done
        if [ ${#iocs[@]} -eq 0 ] || [ ${#inputs[@]} -eq 0 ] || [ ! -f expected ]; then
            notok "case $name" "needs iocs.*, input* and expected"
            exit 0
        fi
        [ -f compile_args ] && read -r -a cargs <compile_args
        [ -f args ] && read -r -a sargs <args

        local cwant=0
        [ -f compile_exit ] && cwant=$(cat compile_exit)
        t compile -q -o .case.tdb ${cargs[@]+"${cargs[@]}"} "${iocs[@]}" 2>compile.err
        if crashed || [ "$RC" -ne "$cwant" ] || [ ! -s .case.tdb ]; then
            notok "case $name: compile" "$(rcdesc), want $cwant: $(head -2 compile.err | tr '\n' ' ')"
            exit 0
        fi
        if [ -f compile_stderr ]; then
            local l missing=""
            while IFS= read -r l; do
                [ -n "$l" ] && ! grep -qF -- "$l" compile.err && missing="$missing [$l]"
            done <compile_stderr
            if [ -n "$missing" ]; then
                notok "case $name: compile diagnostics" "not in stderr:$missing; got: $(head -3 compile.err | tr '\n' '|')"
            else
                ok "case $name: compile diagnostics"
            fi
        fi

        t scan -q -d .case.tdb ${sargs[@]+"${sargs[@]}"} "${inputs[@]}" >out.jsonl 2>scan.err
        local want
        if [ -f expect_exit ]; then want=$(cat expect_exit)
        elif [ -s expected ]; then want=0
        else want=1; fi
        if crashed || [ "$RC" -ne "$want" ]; then
            notok "case $name: scan exit" "$(rcdesc), want $want: $(head -2 scan.err | tr '\n' ' ')"
        fi

        # expected with three columns keeps the file name
        local cols
        cols=$(awk -F'\t' 'NF { print NF; exit }' expected)
        if [ "${cols:-2}" = 3 ]; then
            hits out.jsonl | sort -u >got
        else
            hits out.jsonl | cut -f2- | sort -u >got
        fi
        grep -v '^$' expected | sort -u >want
        if cmp -s want got; then
            ok "case $name: $(wc -l <want) hits"
        else
            notok "case $name: hits" "$(setdiff want got)"
        fi
        if [ -f must_contain ]; then
            local l missing=""
            while IFS= read -r l; do
                [ -n "$l" ] && ! grep -qF -- "$l" out.jsonl && missing="$missing [$l]"
            done <must_contain
            if [ -n "$missing" ]; then
                notok "case $name: hit fields" "no hit line contains:$missing"
            else
                ok "case $name: hit fields"
            fi
        fi
    )
}

run_cases() {
    mkdir -p "$TMP/cases"
    local d name
    for d in "$E2E_DIR"/*/; do
        name=$(basename "$d")
        cp -R "$d" "$TMP/cases/$name"
    done
    for d in "$E2E_DIR"/*/; do
        run_case "$(basename "$d")"
    done
}

# ---------------------------------------------------------------------------
# Command line

cli_checks() {
    local d=$TMP/cli
    mkdir -p "$d" && cd "$d" || return
    printf 'type,value\nipv4,192.0.2.1\ndomain,cli-evil.example\nstring,CLI-MARKER\n' >iocs.csv
    t compile -q -o db.tdb iocs.csv 2>err
    if [ "$RC" -ne 0 ] || [ ! -s db.tdb ]; then
        notok "cli: compile a small database" "$(rcdesc): $(head -1 err)"
        return
    fi
    ok "cli: compile a small database"
    printf 'a 192.0.2.1 b\n' >hit.log
    printf 'nothing to see\n' >clean.log
    : >empty.log

    # --- exit codes
    t scan -q -d db.tdb hit.log >out 2>err
    check "cli: scan with hits exits 0" "$(rcdesc)" [ "$RC" -eq 0 -a -s out ]
    t scan -q -d db.tdb clean.log >out 2>err
    check "cli: scan without hits exits 1" "$(rcdesc)" [ "$RC" -eq 1 -a ! -s out ]
    t scan -q -d db.tdb empty.log >out 2>err
    check "cli: empty file scans clean (exit 1, no error)" "$(rcdesc): $(head -1 err)" \
        [ "$RC" -eq 1 -a ! -s out -a ! -s err ]
    t scan -q -d db.tdb >out 2>err
    check "cli: scan without a path exits 2" "$(rcdesc)" [ "$RC" -eq 2 ]

    # --- usage errors: exit 2, the message names the culprit, one line of it
    # (plus the "Try 'trawl CMD --help'." hint), never a crash
    local cmd flag
    for cmd in compile info scan; do
        case $cmd in
        compile) set -- compile -o x.tdb --no-such-flag iocs.csv ;;
        info) set -- info --no-such-flag db.tdb ;;
        scan) set -- scan -d db.tdb --no-such-flag hit.log ;;
        esac
        t "$@" >out 2>err
        local msg
        msg=$(grep -v "^Try 'trawl $cmd --help'\.\$" err)
        if [ "$RC" -eq 2 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" -eq 1 ] &&
            printf '%s' "$msg" | grep -q -- '--no-such-flag'; then
            ok "cli: $cmd --no-such-flag exits 2 naming the flag"
        else
            notok "cli: $cmd --no-such-flag exits 2 naming the flag" "$(rcdesc): $(tr '\n' '|' <err)"
        fi
    done
    t scan -d db.tdb -Z hit.log >out 2>err
    check "cli: scan -Z (unknown short flag) exits 2 naming it" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 2 ] && grep -q -- "-Z" err'
    t scan hit.log >out 2>err
    check "cli: scan without -d exits 2 with a message" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 2 ] && grep -q -- "-d" err'
    t compile iocs.csv >out 2>err
    check "cli: compile without -o exits 2 with a message" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 2 ] && grep -q -- "-o" err'
    t compile -o x.tdb >out 2>err
    check "cli: compile without input exits 2" "$(rcdesc)" [ "$RC" -eq 2 ]
    t info >out 2>err
    check "cli: info without a database exits 2" "$(rcdesc)" [ "$RC" -eq 2 ]
    for flag in "-j 0" "-j abc" "--chunk 0" "--utf16 maybe" "-j"; do
        # shellcheck disable=SC2086
        t scan -d db.tdb $flag hit.log >out 2>err
        check "cli: scan $flag exits 2" "$(rcdesc): $(head -1 err)" [ "$RC" -eq 2 -a ! -s out ]
    done
    for flag in "-f nosuchformat" "--as nosuchtype" "--tlp purple" "--severity extreme"; do
        # shellcheck disable=SC2086
        t compile -o x.tdb $flag iocs.csv >out 2>err
        check "cli: compile $flag exits 2" "$(rcdesc): $(head -1 err)" \
            eval '[ "$RC" -eq 2 ] && grep -q "${flag#* }" err'
    done
    t nosuchcommand >out 2>err
    check "cli: unknown command exits 2 naming it" "$(rcdesc)" \
        eval '[ "$RC" -eq 2 ] && grep -q nosuchcommand err'
    t >out 2>err
    check "cli: no command exits 2 with usage" "$(rcdesc)" \
        eval '[ "$RC" -eq 2 ] && grep -q usage err'

    # --- help and version
    t --help >out 2>err
    check "cli: trawl --help exits 0" "$(rcdesc)" eval '[ "$RC" -eq 0 ] && grep -qi example out'
    for cmd in compile info scan; do
        t "$cmd" --help >out 2>err
        check "cli: $cmd --help exits 0 and shows an example" "$(rcdesc)" \
            eval '[ "$RC" -eq 0 ] && grep -qi example out && grep -q "usage: trawl $cmd" out'
    done
    local ver
    ver=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$SRCDIR/meson.build" | head -1)
    t --version >out 2>err
    check "cli: --version exits 0 and prints trawl ${ver:-VERSION}" "$(rcdesc): $(head -1 out)" \
        eval '[ "$RC" -eq 0 ] && grep -q "^trawl ${ver:-}" out'

    # --- info
    t info db.tdb >out 2>err
    check "cli: info on a good database" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 0 ] && grep -q "^indicators: *3 " out'

    # --- damaged databases: exit 2, one "trawl: FILE: reason" line, no crash
    local sz
    sz=$(wc -c <db.tdb)
    head -c $((sz / 2)) db.tdb >trunc.tdb
    head -c $((sz - 1)) db.tdb >trunc1.tdb
    head -c 100 db.tdb >head.tdb
    : >empty.tdb
    head -c 65536 /dev/urandom >random.tdb
    cp iocs.csv text.tdb
    cp db.tdb flip.tdb
    flip_byte flip.tdb $((sz / 2))
    { cat db.tdb; echo trailing; } >long.tdb
    local f
    for f in trunc.tdb trunc1.tdb head.tdb empty.tdb random.tdb text.tdb flip.tdb long.tdb \
        missing.tdb; do
        for cmd in scan info; do
            if [ "$cmd" = scan ]; then t scan -q -d "$f" hit.log >out 2>err
            else t info "$f" >out 2>err; fi
            if [ "$RC" -eq 2 ] && [ "$(grep -c . err)" -eq 1 ] && grep -q "$f" err && [ ! -s out ]; then
                ok "cli: $cmd refuses ${f%.tdb} database: $(cat err)"
            else
                notok "cli: $cmd refuses ${f%.tdb} database" "$(rcdesc): $(tr '\n' '|' <err)"
            fi
        done
    done
    # a flipped byte anywhere must be refused: every header byte, a stride
    # through the rest
    local pos accepted="" crashes="" hdr=192
    for ((pos = 0; pos < sz; pos += (pos < hdr ? 1 : 97))); do
        cp db.tdb flip.tdb
        flip_byte flip.tdb "$pos"
        t scan -q -d flip.tdb hit.log >out 2>err
        if crashed; then crashes="$crashes $pos($(rcdesc))"
        elif [ "$RC" -ne 2 ]; then accepted="$accepted $pos"; fi
    done
    check "cli: byte flips in the database never crash" "at offsets$crashes" [ -z "$crashes" ]
    accepted=$(echo "$accepted" | awk -v RS=' ' 'NF { v = $1 + 0
        if (n && v == last + 1) { last = v; next }
        if (n) out = out (first == last ? first : first "-" last) " "
        first = last = v; n++ }
        END { if (n) out = out (first == last ? first : first "-" last); print out }')
    check "cli: byte flips anywhere in the database are refused" \
        "accepted (exit 0/1) with a byte flipped at offsets ${accepted} (file of $sz bytes)" \
        [ -z "$accepted" ]

    # --- rejected indicator lines
    printf '192.0.2.9\n999.1.1.1\nreject-me-not-an-ioc words\nok-domain.example\n' >rej.txt
    rm -f rej.tdb
    t compile -q -o rej.tdb rej.txt >out 2>err
    if [ "$RC" -eq 1 ] && [ -s rej.tdb ] && grep -q '^rej.txt:2: ' err && grep -q '^rej.txt:3: ' err &&
        [ "$(grep -c '^rej.txt:' err)" -eq 2 ]; then
        ok "cli: rejected lines: FILE:LINE: reason each, exit 1, database written"
    else
        notok "cli: rejected lines: FILE:LINE: reason each, exit 1, database written" \
            "$(rcdesc): $(tr '\n' '|' <err)"
    fi
    t compile -q --lenient -o rej.tdb rej.txt >out 2>err
    check "cli: rejected lines with --lenient exit 0" "$(rcdesc)" \
        eval '[ "$RC" -eq 0 ] && grep -q "^rej.txt:2: " err'
    printf 'x 192.0.2.9 ok-domain.example 999.1.1.1\n' >rej.log
    t scan -q -d rej.tdb rej.log >out 2>err
    check "cli: database with rejected lines keeps the good ones" "$(rcdesc)" \
        eval '[ "$RC" -eq 0 ] && [ "$(grep -c "event_type" out)" -eq 2 ]'
    printf 'type,value\nipv4,192.0.2.10\nipv4,1.2.3\nnosuchtype,x\n' >rej.csv
    t compile -q -o rej2.tdb rej.csv >out 2>err
    check "cli: rejected CSV rows: FILE:LINE: reason, exit 1" "$(rcdesc): $(tr '\n' '|' <err)" \
        eval '[ "$RC" -eq 1 ] && grep -q "^rej.csv:3: " err && grep -q "^rej.csv:4: .*nosuchtype" err'
    t compile -q -o x.tdb no-such-iocs.txt >out 2>err
    check "cli: compile of a missing file exits 2 naming it" "$(rcdesc)" \
        eval '[ "$RC" -eq 2 ] && grep -q no-such-iocs.txt err'
    printf '198.51.100.200\nstdin-evil.example\n' | t compile -q -o stdin.tdb -f plain - >out 2>err
    printf 'q stdin-evil.example\n' >sx.log
    t scan -q -d stdin.tdb sx.log >out 2>err
    check "cli: compile reads '-' from stdin" "$(rcdesc)" \
        eval '[ "$RC" -eq 0 ] && grep -q "\"value\":\"stdin-evil.example\"" out'

    # --- stdin, -o
    printf 'piped 192.0.2.1\n' | t scan -q -d db.tdb - >out 2>err
    check "cli: scan '-' reads stdin" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 0 ] && [ "$(hits out)" = "$(printf "%s\t6\t192.0.2.1" -)" ]'
    printf 'gz piped cli-evil.example\n' | gzip -c | t scan -q -d db.tdb - >out 2>err
    check "cli: scan '-' decompresses gzip on stdin" "$(rcdesc): $(head -1 err)" \
        eval '[ "$RC" -eq 0 ] && [ "$(hits out | cut -f2,3)" = "$(printf "9\tcli-evil.example")" ]'
    rm -f o.jsonl
    t scan -q -d db.tdb -o o.jsonl hit.log >out 2>err
    check "cli: -o FILE writes the hits there, nothing on stdout" "$(rcdesc)" \
        eval '[ "$RC" -eq 0 ] && [ ! -s out ] && [ "$(hits o.jsonl | cut -f2,3)" = "$(printf "2\t192.0.2.1")" ]'
    t scan -q -d db.tdb -o no-such-dir/o.jsonl hit.log >out 2>err
    check "cli: -o into a missing directory exits 2 naming it" "$(rcdesc)" \
        eval '[ "$RC" -eq 2 ] && grep -q no-such-dir/o.jsonl err'
    if [ -w /dev/full ]; then
        t scan -q -d db.tdb -o /dev/full hit.log >out 2>err
        check "cli: a failing output (-o /dev/full) exits 2" "$(rcdesc): $(head -1 err)" \
            eval '[ "$RC" -eq 2 ] && [ -s err ]'
    else
        skip "cli: a failing output (-o /dev/full) exits 2" "no /dev/full"
    fi

    # --- a missing path among good ones: one error line, the rest scanned
    printf 'b cli-evil.example\n' >hit2.log
    t scan -q -d db.tdb hit.log no-such-file.log hit2.log >out 2>err
    if [ "$RC" -eq 2 ] && [ "$(grep -c . err)" -eq 1 ] && grep -q no-such-file.log err &&
        [ "$(hits out | cut -f1 | sort | tr '\n' ' ')" = "hit.log hit2.log " ]; then
        ok "cli: missing path: error line, exit 2, other files still scanned"
    else
        notok "cli: missing path: error line, exit 2, other files still scanned" \
            "$(rcdesc): $(tr '\n' '|' <err) hits: $(hits out | cut -f1 | tr '\n' ' ')"
    fi
    if [ "$(id -u)" != 0 ]; then
        cp hit.log unreadable.log && chmod 000 unreadable.log
        t scan -q -d db.tdb unreadable.log hit2.log >out 2>err
        if [ "$RC" -eq 2 ] && grep -q unreadable.log err && [ "$(hits out | cut -f1)" = hit2.log ]; then
            ok "cli: unreadable file: error line, exit 2, others still scanned"
        else
            notok "cli: unreadable file: error line, exit 2, others still scanned" \
                "$(rcdesc): $(tr '\n' '|' <err)"
        fi
        chmod 644 unreadable.log
    else
        skip "cli: unreadable file: error line, exit 2, others still scanned" "running as root"
    fi

    # --- damaged gzip among good files
    local i
    for ((i = 1; i <= 4000; i++)); do
        printf 'line %d padding padding 192.0.2.1 and cli-evil.example\n' "$i"
    done >long.log
    gzip -nc long.log >long.log.gz
    sz=$(wc -c <long.log.gz)
    head -c $((sz / 2)) long.log.gz >cut.log.gz
    t scan -q -d db.tdb hit.log cut.log.gz hit2.log >out 2>err
    local lim
    # what gzip itself recovers before the cut; hits in it (bar the last 64
    # bytes, which a decoder may hold back) must all be reported
    gzip -dc cut.log.gz 2>/dev/null >cut.plain
    lim=$(($(wc -c <cut.plain) - 64))
    grep -boE '192\.0\.2\.1|cli-evil\.example' cut.plain |
        awk -F: -v lim="$lim" '$1 < lim { print $1 "\t" $2 }' | sort >want_cut
    hits out | awk -F'\t' -v lim="$lim" '$1 == "cut.log.gz" && $2 < lim { print $2 "\t" $3 }' |
        sort >got_cut
    if [ "$RC" -eq 2 ] && [ "$(grep -c . err)" -eq 1 ] && grep -qE 'cut\.log\.gz@[0-9]+' err &&
        [ "$(hits out | cut -f1 | grep -c '^hit2\?\.log$')" -eq 2 ] && [ -s want_cut ] &&
        cmp -s want_cut got_cut; then
        ok "cli: truncated gzip: exit 2, one 'file@offset' error, $(wc -l <got_cut) hits before the cut, good files scanned"
    else
        notok "cli: truncated gzip: exit 2, one 'file@offset' error, hits before the cut, good files scanned" \
            "$(rcdesc): $(tr '\n' '|' <err) good-file hits: $(hits out | cut -f1 | grep -c '^hit2\?\.log$'), before the cut: $(setdiff want_cut got_cut)"
    fi
    cp long.log.gz bad.log.gz
    printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of=bad.log.gz bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
    t scan -q -d db.tdb hit.log bad.log.gz hit2.log >out 2>err
    if [ "$RC" -eq 2 ] && [ "$(grep -c . err)" -eq 1 ] && grep -qE 'bad\.log\.gz@[0-9]+' err &&
        [ "$(hits out | cut -f1 | grep -c '^hit2\?\.log$')" -eq 2 ]; then
        ok "cli: corrupt gzip: exit 2, one 'file@offset' error, good files scanned"
    else
        notok "cli: corrupt gzip: exit 2, one 'file@offset' error, good files scanned" \
            "$(rcdesc): $(tr '\n' '|' <err)"
    fi
    printf '\037\213\010\000garbage' >hdr.log.gz
    t scan -q -d db.tdb hdr.log.gz hit.log >out 2>err
    check "cli: gzip with a broken header: exit 2, error names it, no crash" \
        "$(rcdesc): $(tr '\n' '|' <err)" \
        eval '[ "$RC" -eq 2 ] && grep -q hdr.log.gz err && [ "$(hits out | cut -f1)" = hit.log ]'

    # --- signals: SIGTERM stops a scan even while it waits on a pipe
    if command -v mkfifo >/dev/null && mkfifo fifo 2>/dev/null; then
        (
            printf 'sig 192.0.2.1\n'
            exec sleep 6
        ) >fifo &
        local writer=$! scanner start
        "$TRAWL" scan -q -d db.tdb - <fifo >out 2>err &
        scanner=$!
        sleep 0.5
        start=$(date +%s)
        kill -TERM "$scanner" 2>/dev/null
        wait "$scanner"
        RC=$?
        local took=$(($(date +%s) - start))
        kill "$writer" 2>/dev/null
        wait "$writer" 2>/dev/null
        check "cli: SIGTERM stops a scan blocked on stdin (exit 2 within 2 s)" \
            "$(rcdesc) after ${took} s" [ "$RC" -eq 2 -a "$took" -le 2 ]
    else
        skip "cli: SIGTERM stops a scan blocked on stdin" "no mkfifo"
    fi
}

# flip_byte FILE OFFSET: xor the byte with 0x5a
flip_byte() {
    local b
    b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059
    printf "\\$(printf %03o $((b ^ 0x5a)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# ---------------------------------------------------------------------------
# Threads and chunking: the same hits for any -j, --chunk, file or stream

chunk_checks() {
    local d=$TMP/chunk
    mkdir -p "$d" && cd "$d" || return
    printf '%s\n' 'type,value' 'ipv4,203.0.113.77' 'cidr,198.51.100.0/24' 'domain,chunk-evil.example' \
        'string,CHUNK-MARKER' 'md5,0cc175b9c0f1b6a831c399e269772661' >iocs.csv
    t compile -q -o db.tdb iocs.csv 2>err || true
    if [ "$RC" -ne 0 ]; then
        notok "chunks: compile" "$(rcdesc): $(head -1 err)"
        return
    fi
    # ~5 MB of log lines of varying length with indicators sprinkled in
    awk 'BEGIN {
        srand(7)
        for (i = 0; i < 60000; i++) {
            pad = substr("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1, i % 47)
            k = i % 13
            if (k == 0) v = "203.0.113.77"
            else if (k == 3) v = "198.51.100." (i % 256)
            else if (k == 5) v = "www" (i % 7) ".chunk-evil.example"
            else if (k == 7) v = "CHUNK-MARKER"
            else if (k == 9) v = "0cc175b9c0f1b6a831c399e269772661"
            else if (k == 11) v = "notchunk-evil.example 1203.0.113.77"
            else v = "benign.example 10.0.0." (i % 250)
            printf "2026-01-01T00:00:%02d host%d app[%d]: %s msg=%s end\n", i % 60, i % 9, i, pad, v
        }
    }' >big.log
    # plant indicators straddling each 1 MiB boundary (chunk edges with --chunk 1)
    local mib=1048576 k planted=""
    for k in 1 2 3 4; do
        printf ' CHUNK-MARKER ' | dd of=big.log bs=1 seek=$((k * mib - 6)) conv=notrunc 2>/dev/null
        planted="$planted$((k * mib - 5))	CHUNK-MARKER
"
    done
    gzip -nc big.log >big.log.gz

    t scan -q -d db.tdb -j 1 big.log >j1.jsonl 2>err
    local rc1=$RC
    hits j1.jsonl | sort >j1
    local n1
    n1=$(wc -l <j1)
    check "chunks: -j1 scan of a $(($(wc -c <big.log) / 1000)) kB file finds hits" "$(rcdesc), $n1 hits" \
        [ "$rc1" -eq 0 -a "$n1" -gt 20000 ]
    printf '%s' "$planted" | sort >planted
    cut -f2,3 j1 | sort >j1.ov
    check "chunks: indicators straddling 1 MiB boundaries are found" \
        "$(comm -23 planted j1.ov | tr '\t\n' ' |')" eval '[ -z "$(comm -23 planted j1.ov)" ]'
    local mode name
    for mode in "-j 2 --chunk 1" "-j 4 --chunk 1" "-j 3 --chunk 2"; do
        # shellcheck disable=SC2086
        t scan -q -d db.tdb $mode big.log >jn.jsonl 2>err
        hits jn.jsonl | sort >jn
        if [ "$RC" -eq 0 ] && cmp -s j1 jn; then
            ok "chunks: $mode gives the same $(wc -l <jn) hits as -j 1"
        else
            notok "chunks: $mode gives the same hits as -j 1" "$(rcdesc): $(setdiff j1 jn)"
        fi
    done
    # also the same lines: compare the line numbers of hits
    t scan -q -d db.tdb -j 2 --chunk 1 big.log >jn.jsonl 2>err
    if [ "$(grep -o '"offset":[0-9]*,"length":[0-9]*,"line":[0-9]*' j1.jsonl | sort | md5sum)" = \
        "$(grep -o '"offset":[0-9]*,"length":[0-9]*,"line":[0-9]*' jn.jsonl | sort | md5sum)" ]; then
        ok "chunks: line numbers identical with -j 2 --chunk 1"
    else
        notok "chunks: line numbers identical with -j 2 --chunk 1" "offset/length/line triples differ"
    fi
    t scan -q -d db.tdb -j 2 big.log.gz >gz.jsonl 2>err
    hits gz.jsonl | cut -f2,3 | sort >gz
    cut -f2,3 j1 | sort >j1.ov
    if [ "$RC" -eq 0 ] && cmp -s j1.ov gz; then
        ok "chunks: the gzip stream gives the same hits as the plain file"
    else
        notok "chunks: the gzip stream gives the same hits as the plain file" "$(rcdesc): $(setdiff j1.ov gz)"
    fi
    t scan -q -d db.tdb - <big.log >st.jsonl 2>err
    hits st.jsonl | cut -f2,3 | sort >st
    if [ "$RC" -eq 0 ] && cmp -s j1.ov st; then
        ok "chunks: stdin gives the same hits as the plain file"
    else
        notok "chunks: stdin gives the same hits as the plain file" "$(rcdesc): $(setdiff j1.ov st)"
    fi
}

# ---------------------------------------------------------------------------
# Generated corpus with planted truth (bench/trawl-gen)

gen_checks() {
    if [ -z "$GEN" ] || [ ! -x "$GEN" ] || ! "$GEN" logs --help 2>/dev/null | grep -q -- '--truth'; then
        skip "gen: planted truth, recall and precision" "trawl-gen not available or not ready"
        return
    fi
    local d=$TMP/gen
    mkdir -p "$d" && cd "$d" || return
    if ! "$GEN" iocs --count 10k --seed 11 -o iocs.csv 2>err ||
        ! "$GEN" logs --size 20M --seed 11 --iocs iocs.csv --plant 3000 -o logs.txt \
            --truth truth.tsv 2>err; then
        notok "gen: generate 10k indicators and 20 MB of logs" \
            "trawl-gen failed: $( (grep -m1 -E 'Sanitizer|ERROR|error' err || tail -1 err) | cut -c1-200)"
        return
    fi
    ok "gen: generate 10k indicators and 20 MB of logs ($(wc -l <truth.tsv) planted)"
    t compile -q -o gen.tdb iocs.csv 2>err
    if [ "$RC" -ne 0 ]; then
        notok "gen: compile the generated indicators" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    ok "gen: compile the generated indicators"
    t scan -q -d gen.tdb -j 2 --chunk 1 --max-tlp red logs.txt >hits.jsonl 2>err
    local rc=$RC
    hits hits.jsonl | cut -f2,3 | sort -u >got
    cut -f1,3 truth.tsv | sort -u >want
    local tp ng nw
    tp=$(comm -12 want got | wc -l)
    ng=$(wc -l <got)
    nw=$(wc -l <want)
    local pr
    pr=$(awk -v tp="$tp" -v ng="$ng" -v nw="$nw" 'BEGIN {
        printf "recall %.4f (%d/%d), precision %.4f (%d/%d)", nw ? tp / nw : 1, tp, nw, ng ? tp / ng : 1, tp, ng }')
    echo "# gen: $pr"
    if [ "$rc" -eq 0 ] && [ "$tp" -eq "$nw" ] && [ "$tp" -eq "$ng" ]; then
        ok "gen: -j2 --chunk 1 hits equal the planted truth: $pr"
    else
        notok "gen: -j2 --chunk 1 hits equal the planted truth" "$(rcdesc), $pr; $(setdiff want got)"
    fi
}

# ---------------------------------------------------------------------------
# Third-party corpus cases ($TRAWL_CORPUS/cases)

# flatten JSON: one "PATH<TAB>VALUE" line per scalar, path parts joined by \034
json_flat() {
    awk '
    BEGIN { RS = "\001" }
    {
        s = $0; n = length(s); i = 1; depth = 0
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "{" || c == "[") {
                depth++; kind[depth] = c; key[depth] = (c == "[" ? 0 : ""); i++; continue
            }
            if (c == "}" || c == "]") { depth--; i++; continue }
            if (c == ",") { if (kind[depth] == "[") key[depth]++; i++; continue }
            if (c == "\"") {
                j = i + 1; v = ""
                while (j <= n) {
                    d = substr(s, j, 1)
                    if (d == "\\") {
                        e = substr(s, j + 1, 1)
                        v = v (e == "n" ? "\n" : e == "t" ? "\t" : e); j += 2; continue
                    }
                    if (d == "\"") break
                    v = v d; j++
                }
                i = j + 1
                k = i; while (k <= n && substr(s, k, 1) ~ /[ \t\r\n]/) k++
                if (kind[depth] == "{" && substr(s, k, 1) == ":") { key[depth] = v; i = k + 1; continue }
                emit(v); continue
            }
            if (c ~ /[-0-9tfn]/) {
                j = i; while (j <= n && substr(s, j, 1) ~ /[-+0-9.eEtrufalsn]/) j++
                emit(substr(s, i, j - i)); i = j; continue
            }
            i++
        }
    }
    function emit(v,   p, l) {
        p = ""
        for (l = 1; l <= depth; l++) p = p (l > 1 ? "\034" : "") key[l]
        print p "\t" v
    }' "$1"
}

corpus_case() {
    local name=$1 src=$2 d=$TMP/corpus/$1
    mkdir -p "$d" && cd "$d" || return
    # iocs.tsv (type<TAB>value; ".dom" = dom and subdomains, trawl's default)
    awk -F'\t' 'BEGIN { print "type,value" }
        NF >= 2 && $1 !~ /^#/ {
            v = $2
            if ($1 == "domain") sub(/^\./, "", v)
            gsub(/"/, "\"\"", v)
            print $1 ",\"" v "\""
        }' "$src/iocs.tsv" >iocs.csv
    t compile -q -o c.tdb iocs.csv 2>err
    if crashed || [ "$RC" -ne 0 ]; then
        notok "corpus $name: compile iocs.tsv" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    cp "$src/input.txt" input.txt
    t scan -q -d c.tdb input.txt >out.jsonl 2>err
    if crashed || [ "$RC" -gt 1 ]; then
        notok "corpus $name: scan input.txt" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    # hits as LINE<TAB>VALUE
    awk '/"event_type":"ioc"/ {
            i = index($0, "\"value\":\""); v = substr($0, i + 9); sub(/".*/, "", v)
            j = index($0, ",\"line\":"); l = substr($0, j + 8); sub(/[^0-9].*/, "", l)
            print l "\t" v }' out.jsonl | sort -u >got
    json_flat "$src/expected.json" >flat
    local want="" bad="" n=0 key val line
    # must_hit_line_iocs: {SEEN: [IOC...]}: the line holding SEEN reports each IOC
    # must_hit_lines: {IOC: [LINE...]}: IOC is reported on each 1-based LINE
    while IFS=$'\t' read -r key val; do
        local top=${key%%$'\034'*} rest=${key#*$'\034'}
        case $top in
        must_hit_line_iocs)
            local seen=${rest%%$'\034'*}
            line=$(awk -v s="$seen" '{ for (i = 1; i <= NF; i++) if ($i == s) { print NR; exit } }' input.txt)
            n=$((n + 1))
            if [ -z "$line" ]; then bad="$bad [$seen not in input.txt]"
            elif ! grep -qxF "$line	$val" got; then bad="$bad [line $line: $val]"; fi
            ;;
        must_hit_lines)
            local ioc=${rest%%$'\034'*}
            n=$((n + 1))
            grep -qxF "$val	$ioc" got || bad="$bad [line $val: $ioc]"
            ;;
        esac
    done <flat
    if [ "$n" -eq 0 ]; then
        skip "corpus $name" "no must_hit_line_iocs / must_hit_lines in expected.json"
    elif [ -z "$bad" ]; then
        ok "corpus $name: $n required (line, indicator) hits"
    else
        notok "corpus $name: required hits" "missing$bad"
    fi
    # negative lists: values that must not be reported
    local neg="" v
    while IFS=$'\t' read -r key val; do
        local top=${key%%$'\034'*} rest=${key#*$'\034'}
        case $top in
        must_not_hit | not_iocs | must_not_report)
            [ "$key" = "$top" ] && continue
            v=${rest%%$'\034'*}
            case $v in *[!0-9]*) ;; *) v=$val ;; esac
            cut -f2 got | grep -qxF -- "$v" && neg="$neg [$v]"
            ;;
        esac
    done <flat
    if grep -qE '^(must_not_hit|not_iocs|must_not_report)'$'\034' flat; then
        check "corpus $name: nothing from the negative lists reported" "reported:$neg" [ -z "$neg" ]
    fi
}

# A capture case: every (indicator, packet) of must_hit is reported (as the
# hit's packet, or in the packet list of a flow address hit), nothing of
# must_not_hit is, and each must_hit_connections connection has a hit; and
# -j2 (flows spread over two workers) reports exactly what -j1 does.
corpus_pcap_case() {
    local name=$1 src=$2 d=$TMP/corpus/$1
    mkdir -p "$d" && cd "$d" || return
    # the original spelling rides along as the source, to find the hits again
    awk -F'\t' 'BEGIN { print "type,value,source" }
        NF >= 2 && $1 !~ /^#/ {
            v = $2; o = $2
            if ($1 == "domain") sub(/^\./, "", v)
            gsub(/"/, "\"\"", v); gsub(/"/, "\"\"", o)
            print $1 ",\"" v "\",\"" o "\""
        }' "$src/iocs.tsv" >iocs.csv
    t compile -q --no-default-allowlist -o c.tdb iocs.csv 2>err
    if crashed || [ "$RC" -ne 0 ]; then
        notok "corpus $name: compile iocs.tsv" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    t scan -q --max-tlp red -d c.tdb -j1 "$src/input.pcap" >out.jsonl 2>err
    if crashed || [ "$RC" -gt 1 ]; then
        notok "corpus $name: scan input.pcap" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    # -j2: the capture's flows spread over two workers give the same hits (only the
    # wall-clock timestamp differs)
    local rc1=$RC
    t scan -q --max-tlp red -d c.tdb -j2 "$src/input.pcap" >out2.jsonl 2>err2
    sed -e 's/"timestamp":"[^"]*",//' out.jsonl | sort >j1.norm
    sed -e 's/"timestamp":"[^"]*",//' out2.jsonl | sort >j2.norm
    if ! crashed && [ "$RC" = "$rc1" ] && cmp -s j1.norm j2.norm; then
        ok "corpus $name: -j2 gives the same $(wc -l <j1.norm) hits as -j1"
    else
        notok "corpus $name: -j2 gives the same hits as -j1" \
            "$(rcdesc) (-j1: exit $rc1), $(diff j1.norm j2.norm | grep -c '^[<>]') lines differ: $(head -2 err2 | tr '\n' ' ')"
    fi
    # SOURCE<TAB>PACKET for the packet and every packet of a flow's list;
    # and SOURCE<TAB>SRC:SPORT>DST:DPORT for the connections
    awk '/"event_type":"ioc"/ {
            i = index($0, "\"sources\":[\""); v = substr($0, i + 12); sub(/"[],].*/, "", v)
            j = index($0, "\"packet\":"); p = substr($0, j + 9); sub(/[^0-9].*/, "", p)
            print v "\t" p
            k = index($0, "\"packet_list\":["); if (k) { l = substr($0, k + 15); sub(/].*/, "", l)
                n = split(l, a, ","); for (q = 1; q <= n; q++) print v "\t" a[q] }
            si = $0; sub(/.*"src_ip":"/, "", si); sub(/".*/, "", si)
            sp = $0; sub(/.*"src_port":/, "", sp); sub(/[^0-9].*/, "", sp)
            di = $0; sub(/.*"dest_ip":"/, "", di); sub(/".*/, "", di)
            dp = $0; sub(/.*"dest_port":/, "", dp); sub(/[^0-9].*/, "", dp)
            print v "\t" si ":" sp ">" di ":" dp
            print v "\t" di ":" dp ">" si ":" sp
        }' out.jsonl | sort -u >got
    json_flat "$src/expected.json" >flat
    local bad="" neg="" n=0 key val
    local -A conn=()
    while IFS=$'\t' read -r key val; do
        local top=${key%%$'\034'*} rest=${key#*$'\034'}
        local ioc=${rest%%$'\034'*}
        case $top in
        must_hit)
            n=$((n + 1))
            grep -qxF "$ioc	$val" got || bad="$bad [$ioc #$val]"
            ;;
        must_not_hit)
            grep -qxF "$ioc	$val" got && neg="$neg [$ioc #$val]"
            ;;
        must_hit_connections)
            case $rest in
            "$ioc"$'\034'connections$'\034'*)
                local k=${rest#"$ioc"$'\034'connections$'\034'}
                local c=${k%%$'\034'*}
                conn["$ioc"$'\t'"$c"]+="$val "
                ;;
            esac
            ;;
        esac
    done <flat
    local ck
    for ck in "${!conn[@]}"; do
        local ioc=${ck%%$'\t'*} f
        read -r -a f <<<"${conn[$ck]}"
        n=$((n + 1))
        grep -qxF "$ioc	${f[0]}:${f[1]}>${f[2]}:${f[3]}" got || bad="$bad [$ioc on ${f[*]}]"
    done
    if [ "$n" -eq 0 ]; then
        skip "corpus $name" "no must_hit / must_hit_connections in expected.json"
    elif [ -z "$bad" ]; then
        ok "corpus $name: $n required (indicator, packet or connection) hits"
    else
        notok "corpus $name: required hits" "missing$bad"
    fi
    if grep -q '^must_not_hit'$'\034' flat; then
        check "corpus $name: nothing of must_not_hit reported" "reported:$neg" [ -z "$neg" ]
    fi
}

# A free-text datasheet (ESET's defanged IOC pages): `trawl compile --dry-run` on
# it must list every must_extract value of expected.json. The expected values go
# through trawl's own normaliser (a typed CSV, dry-run too) so both sides compare
# in trawl's canonical spelling. (Precision is reported by the unit test
# text_corpus/eset_datasheets.)
corpus_text_case() {
    local name=$1 src=$2 d=$TMP/corpus/$1
    mkdir -p "$d" && cd "$d" || return
    cp "$src/README.adoc" datasheet.adoc
    t compile --dry-run -f text datasheet.adoc >got.txt 2>err
    if crashed || [ "$RC" -ge 2 ]; then
        notok "corpus $name: compile --dry-run of the datasheet" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    json_flat "$src/expected.json" >flat
    awk -F'\t' 'BEGIN { print "type,value" }
        { split($1, k, "\034") }
        k[1] == "must_extract" {
            t = k[2]; v = $2
            if (t == "ip") t = index(v, ":") ? "ipv6" : "ipv4"
            gsub(/"/, "\"\"", v)
            print t ",\"" v "\""
        }' flat >want.csv
    t compile --dry-run want.csv >want.txt 2>err
    if crashed || [ "$RC" -ge 2 ]; then
        notok "corpus $name: normalise must_extract" "$(rcdesc): $(head -2 err | tr '\n' ' ')"
        return
    fi
    grep -v '^#' got.txt | cut -f1 | sort -u >got.values
    grep -v '^#' want.txt | cut -f1 | sort -u >want.values
    local n missing
    n=$(wc -l <want.values)
    missing=$(comm -23 want.values got.values | head -5 | tr '\n' ' ')
    if [ "$n" -gt 0 ] && [ -z "$missing" ]; then
        ok "corpus $name: all $n must_extract values extracted from the datasheet"
    else
        notok "corpus $name: must_extract values extracted" "want $n, missing: ${missing:-none listed}"
    fi
}

corpus_checks() {
    if [ -z "$CORPUS" ] || [ ! -d "$CORPUS/cases" ]; then
        skip "corpus cases" "TRAWL_CORPUS/cases not found"
        return
    fi
    local c name
    for c in "$CORPUS"/cases/*/; do
        name=$(basename "$c")
        if [ -f "$c/input.pcap" ] && [ -f "$c/iocs.tsv" ] && [ -f "$c/expected.json" ]; then
            corpus_pcap_case "$name" "${c%/}"
        elif [ -f "$c/input.txt" ] && [ -f "$c/iocs.tsv" ] && [ -f "$c/expected.json" ]; then
            corpus_case "$name" "${c%/}"
        elif [ -f "$c/README.adoc" ] && [ -f "$c/expected.json" ]; then
            corpus_text_case "$name" "${c%/}"
        else
            skip "corpus $name" "no input.txt"
        fi
    done
}

# ---------------------------------------------------------------------------
# sample/: the README's commands (tools/demo.sh) on the shipped datasheets and
# logs, run from the repository root: compile must be clean, the scan must
# find hits without errors. When sample/expected-hits exists (lines
# FILE<TAB>OFFSET<TAB>VALUE, FILE as trawl prints it from the repository root,
# e.g. sample/logs/proxy.log; '#' comments), the hits must be exactly those.

sample_checks() {
    local s=$SRCDIR/sample d=$TMP/sample
    if [ ! -d "$s/datasheets" ] || [ ! -d "$s/logs" ]; then
        skip "sample: README commands on sample/" "sample/datasheets or sample/logs missing"
        return
    fi
    mkdir -p "$d"
    (
        cd "$SRCDIR" || exit 1
        t compile -q -o "$d/iocs.tdb" sample/datasheets/* 2>"$d/cerr"
        echo "$RC" >"$d/crc"
        t scan -q -d "$d/iocs.tdb" sample/logs >"$d/out.jsonl" 2>"$d/serr"
        echo "$RC" >"$d/src"
    )
    local crc src
    crc=$(cat "$d/crc") src=$(cat "$d/src")
    if [ "$crc" -ne 0 ]; then
        notok "sample: compile sample/datasheets/* cleanly" "exit $crc: $(head -3 "$d/cerr" | tr '\n' '|')"
        return
    fi
    ok "sample: compile sample/datasheets/* cleanly"
    hits "$d/out.jsonl" | sort -u >"$d/got"
    if [ "$src" -eq 0 ] && [ ! -s "$d/serr" ]; then
        ok "sample: scan sample/logs finds $(wc -l <"$d/got") hits in $(cut -f1 "$d/got" | sort -u | wc -l) files, no errors"
    else
        notok "sample: scan sample/logs finds hits, no errors" "exit $src: $(head -3 "$d/serr" | tr '\n' '|')"
    fi
    local exp=""
    [ -f "$s/expected-hits" ] && exp=$s/expected-hits
    [ -z "$exp" ] && [ -f "$s/expected-hits.tsv" ] && exp=$s/expected-hits.tsv
    if [ -z "$exp" ]; then
        skip "sample: hits equal sample/expected-hits" "no sample/expected-hits yet"
        return
    fi
    grep -v '^#' "$exp" | grep -v '^$' | sort -u >"$d/want"
    if cmp -s "$d/want" "$d/got"; then
        ok "sample: hits equal the $(wc -l <"$d/want") of sample/expected-hits"
    else
        notok "sample: hits equal sample/expected-hits" "$(setdiff "$d/want" "$d/got")"
    fi
}

# ---------------------------------------------------------------------------

{
    run_cases
    cli_checks
    chunk_checks
    gen_checks
    corpus_checks
    sample_checks
} | tee "$TMP/log"

echo "# e2e took $(($(date +%s) - T0)) s"
tap_summary "$TMP/log"
