#!/usr/bin/env bash
# Installs the Debian 12 packages trawl needs, and only those that are missing.
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
#   tools/bootstrap.sh           build dependencies
#   tools/bootstrap.sh --test    build + test dependencies (Criterion, redis-server, clang for sanitizers, tcpreplay)
#   tools/bootstrap.sh --bench   build + benchmark peers (ripgrep, yara, igzip, GNU time)
set -euo pipefail

build=(gcc pkg-config meson ninja-build libhyperscan-dev libpcap-dev libjemalloc-dev
       zlib1g-dev libisal-dev libidn2-dev libjansson-dev libxml2-dev libhiredis-dev gzip)
test=(libcriterion-dev iproute2 procps redis-server redis-tools clang libclang-rt-14-dev time
      tcpreplay)
bench=(ripgrep yara isal time gzip pigz)

want=("${build[@]}")
for arg in "$@"; do
    case "$arg" in
        --test) want+=("${test[@]}") ;;
        --bench) want+=("${bench[@]}") ;;
        --all) want+=("${test[@]}" "${bench[@]}") ;;
        -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bootstrap: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "bootstrap: all ${#want[@]} packages already installed"
    exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing packages: ${missing[*]}" >&2
    echo "bootstrap: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$cmd
