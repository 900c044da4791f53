# Compares trawl's JSONL hits with the planted truth of `trawl-gen logs`.
#   awk -f bench/check-truth.awk TRUTH NEAR HITS.jsonl
# TRUTH: OFFSET<TAB>TYPE<TAB>VALUE; NEAR: OFFSET<TAB>TYPE<TAB>INDICATOR<TAB>TEXT.
# A hit is correct when a planted indicator of the same type starts at its "offset".
# Prints recall and precision over occurrences, recall over distinct planted indicators,
# hits that fall on near-misses, and per-type counts. Plain POSIX awk (mawk works).

function unescape(s) {
    gsub(/\\\\/, "\001", s)
    gsub(/\\"/, "\"", s)
    gsub(/\\\//, "/", s)
    gsub(/\001/, "\\", s)
    return s
}

BEGIN { FS = "\t" }

FILENAME == ARGV[1] {
    k = $1 SUBSEP $2
    if (!(k in truth)) { truth[k] = $3; ntruth++; tt[$2]++ }
    want[$2 SUBSEP $3] = 1
    next
}

FILENAME == ARGV[2] {
    nnear++
    nstart[nnear] = $1 + 0
    nend[nnear] = $1 + length($4)
    b = int(($1 + 0) / 4096)
    bucket[b] = bucket[b] " " nnear
    next
}

{
    if (!match($0, /"offset":[0-9]+/)) next
    off = substr($0, RSTART + 9, RLENGTH - 9)
    type = ""
    if (match($0, /"type":"[a-z0-9]+"/)) type = substr($0, RSTART + 8, RLENGTH - 9)
    val = ""
    if (match($0, /"value":"([^"\\]|\\.)*"/)) val = unescape(substr($0, RSTART + 9, RLENGTH - 10))
    nhits++
    k = off SUBSEP type
    if (k in truth) {
        if (!(k in seen)) { tp++; tpt[type]++; seen[k] = 1 }
        found[type SUBSEP val] = 1
    } else {
        fp++; fpt[type]++
        fpoff[fp] = off; fptype[fp] = type; fpval[fp] = val
    }
}

END {
    # Hits outside the truth that land on a planted near-miss.
    onnear = 0
    for (i = 1; i <= fp; i++) {
        o = fpoff[i] + 0; b = int(o / 4096); hit = 0
        for (d = 0; d <= 1 && !hit; d++) {
            n = split(bucket[b - d], js, " ")
            for (x = 1; x <= n; x++)
                if (o >= nstart[js[x]] && o < nend[js[x]]) { hit = 1; break }
        }
        onnear += hit
    }
    nwant = 0; nfound = 0
    for (k in want) { nwant++; split(k, kv, SUBSEP); if ((kv[1] SUBSEP kv[2]) in found) nfound++ }
    printf "planted hits: %d   trawl hits: %d   correct: %d   missed: %d   false: %d (on near-misses: %d)\n", \
        ntruth, nhits, tp, ntruth - tp, fp, onnear
    printf "recall %.4f   precision %.4f   distinct indicators found %d/%d (%.4f)\n", \
        ntruth ? tp / ntruth : 0, nhits ? tp / nhits : 1, nfound, nwant, nwant ? nfound / nwant : 0
    printf "by type (planted/found/false):"
    for (t in tt) printf " %s %d/%d/%d", t, tt[t], tpt[t] + 0, fpt[t] + 0
    printf "\n"
    for (i = 1; i <= fp && i <= 10; i++)
        printf "  false hit: offset %s %s %s\n", fpoff[i], fptype[i], fpval[i]
}
