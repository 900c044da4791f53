# shellcheck shell=bash
# ../hashes with more than 50000 hash indicators, so the compiler switches
# hashes from literals to hex-run tokens plus hashed lookup: an MD5 inside a
# longer hex run must still not be reported on that path.
set -e
cp ../hashes/input.log ../hashes/expected .
{
    cat ../hashes/iocs.csv
    awk 'BEGIN { for (i = 0; i < 60000; i++) printf "md5,feed%08x%020d\n", i, 0 }'
} > iocs.csv
