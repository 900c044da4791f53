# shellcheck shell=bash
# TAP-style results for the integration scripts (tests/*/run.sh), sourced
# by them:
#   ok NAME                   "ok - NAME"
#   notok NAME DETAIL         "not ok - NAME: DETAIL"
#   skip NAME WHY             "ok - NAME # SKIP WHY"
#   check NAME DETAIL CMD...  ok when the command CMD... succeeds, else notok
#   check_eval NAME COND [DETAIL]
#                             ok when the shell condition COND (eval'd) holds
#   tap_summary [LOG]         prints "P passed, F failed[, S skipped]" and
#                             fails when F > 0; with LOG the results are
#                             counted from that file (for checks run in a
#                             subshell, such as a block piped to tee)
TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0

ok() {
    echo "ok - $1"
    TAP_PASS=$((TAP_PASS + 1))
}

notok() {
    echo "not ok - $1: $2"
    TAP_FAIL=$((TAP_FAIL + 1))
}

skip() {
    echo "ok - $1 # SKIP $2"
    TAP_SKIP=$((TAP_SKIP + 1))
}

check() {
    local name=$1 detail=$2
    shift 2
    if "$@"; then ok "$name"; else notok "$name" "$detail"; fi
}

check_eval() {
    if eval "$2"; then ok "$1"; else notok "$1" "${3:-condition false: $2}"; fi
}

# shellcheck disable=SC2120 # LOG is optional
tap_summary() {
    local p=$TAP_PASS f=$TAP_FAIL s=$TAP_SKIP
    if [ $# -gt 0 ]; then
        s=$(grep -c '^ok - .* # SKIP ' "$1")
        p=$(($(grep -c '^ok - ' "$1") - s))
        f=$(grep -c '^not ok - ' "$1")
    fi
    if [ "$s" -gt 0 ]; then
        echo "$p passed, $f failed, $s skipped"
    else
        echo "$p passed, $f failed"
    fi
    [ "$f" -eq 0 ]
}
