# shellcheck shell=bash
# ../ipv4_boundaries with more than 50000 IPv4 indicators, so the compiler
# switches addresses from literals to token extraction plus hashed lookup:
# the boundary rules must give the same hits on that path.
set -e
cp ../ipv4_boundaries/input.log ../ipv4_boundaries/expected .
{
    cat ../ipv4_boundaries/iocs.csv
    awk 'BEGIN { for (i = 0; i < 60000; i++)
        printf "ipv4,100.%d.%d.%d\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }'
} > iocs.csv
