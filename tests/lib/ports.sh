# shellcheck shell=bash
# Loopback TCP ports for the test suites that start servers (redis, triage,
# distributed), sourced by their run.sh. Suites run in parallel under
# `meson test`, so a port is never derived from the PID: it is picked at
# random below the kernel's ephemeral range (where no client socket, and no
# TCP self-connection, can take it) and checked by binding it. A port found
# free can still be taken before a server binds it: callers start their
# server with another port when it does not come up.
#
#   free_port          prints a port nothing is bound to on 127.0.0.1
#   hold_closed_port   reserves a port on which nothing listens, so that
#                      connections to it are refused until release_port:
#                      sets HELD_PORT (and HELD_PID, the holder)
#   release_port       ends the hold
#   redis_is PORT PID  the Redis server on PORT is process PID
#
# python3 does the binding (meson runs on it); without it, bash can only see
# that nothing listens on a port, right before it is used.

# mode [port]: "free" prints a port whose bind succeeded and closes it;
# "hold" prints it and keeps it bound, not listening, until killed or
# orphaned. Without SO_REUSEADDR the bind fails while any socket holds the
# port, and a holder's port cannot be bound by a server either.
PORTS_PY='
import os, random, socket, sys, time
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        lo, hi = map(int, f.read().split())
except (OSError, ValueError):
    lo, hi = 32768, 60999
cands = list(range(10000, lo)) if lo > 12000 else list(range(hi + 1, 65536))
random.SystemRandom().shuffle(cands)
for p in cands[:1000]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    print(p, flush=True)
    if sys.argv[1] == "hold":
        ppid = os.getppid()
        while os.getppid() == ppid:
            time.sleep(0.2)
    s.close()
    sys.exit(0)
sys.exit(1)
'

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c "$PORTS_PY" free && return 0
    fi
    local lo p
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ "${lo:-0}" -gt 12000 ] || lo=32768
    for _ in $(seq 200); do
        p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
            echo "$p"
            return 0
        }
    done
    return 1
}

HELD_PORT=
HELD_PID=
hold_closed_port() {
    release_port
    if command -v python3 >/dev/null; then
        local f
        f=$(mktemp "${TMPDIR:-/tmp}/trawl-port.XXXXXX") || return 1
        python3 -c "$PORTS_PY" hold >"$f" &
        HELD_PID=$!
        for _ in $(seq 250); do
            [ -s "$f" ] && break
            kill -0 "$HELD_PID" 2>/dev/null || break
            sleep 0.02
        done
        HELD_PORT=$(head -1 "$f")
        rm -f "$f"
        [ -n "$HELD_PORT" ] && return 0
        release_port
    fi
    HELD_PORT=$(free_port) # checked closed just now; not held
}

release_port() {
    if [ -n "$HELD_PID" ]; then
        kill "$HELD_PID" 2>/dev/null
        wait "$HELD_PID" 2>/dev/null
    fi
    HELD_PID=
    HELD_PORT=
}

# redis_is PORT PID: the Redis server answering on 127.0.0.1:PORT is process
# PID, not one that another suite started there first.
redis_is() {
    [ "$(redis-cli -h 127.0.0.1 -p "$1" INFO server 2>/dev/null | tr -d '\r' |
        sed -n 's/^process_id://p')" = "$2" ]
}
