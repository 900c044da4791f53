# shellcheck shell=bash
# Builds input.log.gz from plain.log as five gzip members (one of them empty),
# cut inside indicators, so a hit must be found across member boundaries.
# Offsets in `expected` are offsets in plain.log (the decompressed stream).
set -e
slice() { tail -c +$(($1 + 1)) plain.log | head -c "$2"; }
{
    slice 0 1045 | gzip -n
    slice 1045 65 | gzip -n
    : | gzip -n
    slice 1110 350 | gzip -n
    slice 1460 100000 | gzip -n
} > input.log.gz
