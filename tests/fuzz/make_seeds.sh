#!/usr/bin/env bash
# Regenerates the small seed corpora of the fuzz targets in corpus/<target>/
# (all synthetic: no third-party data is copied in). The .tdb seeds of
# fuzz_db_open are compiled by the trawl binary, so they change with the
# database format: rerun after a format change and commit the result.
#   tests/fuzz/make_seeds.sh [path/to/trawl]    (default: build-test/tools/trawl)
# Regression inputs (crash-*, leak-*, mismatch-*) are kept, not regenerated.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trawl=${1:-${TRAWL_BIN:-$root/build-test/tools/trawl}}
c=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() { # target name: stdin to corpus/target/name
    mkdir -p "$c/$1"
    cat >"$c/$1/$2"
}

# ---- indicator feeds, one per format --------------------------------------
printf '%s\n' '# CERT list -- TLP:AMBER' 'hxxp://evil[.]example[.]com/a/b.php?x=1' \
    'evil[.]example[.]org' '10.1.2[.]3' '10.8.0.0/16' '2001:db8::1' '2001:db8:1::/48' \
    'bob[@]evil.example.com' 'd41d8cd98f00b204e9800998ecf8427e' \
    'da39a3ee5e6b4b0d3255bfef95601890afd80709' \
    'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' \
    'dropper.exe;80' 'c2.example.net # inline comment' '' '   ' '300.1.2.3' '::ffff:1.2.3.4' \
    'xn--bcher-kva.example' 'bücher.example' '*.wild.example.com' 'hxxps://[::1]:8443/x' |
    seed fuzz_load_plain list.txt
printf '\xef\xbb\xbfevil.example.com\r\n1.2.3.4\r\n#c\r\nhxxp://a[.]b/c;jsessionid=1\r\nhttp://x.y/z; 75\r\n' |
    seed fuzz_load_plain bom-crlf.txt

cat <<'X' | seed fuzz_load_csv full.csv
type,value,tlp,severity,source,confidence,valid_until
domain,update-check[.]cloudsync-cdn[.]net,AMBRE,élevée,CERT-FR-2026-X,80,2099-12-31
ipv4,185.220.101[.]47,TLP:AMBER,high,CERT-FR-2026-X,90,
url,"hxxps://files.example[.]net/dl/Setup,Update.msi",TLP:RED,critical,"CERT ""FR""",85,
sha256,9F86D081884C7D659A2FEAE0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08,AMBER,critical,x,95,
cidr,10.0.0.1/8,green,low,x,-1,2020-01-01
string,"multi
line",clear,4,x,,
,1.2.3.4,,,,,
X
cat <<'X' | seed fuzz_load_csv reordered.csv
"Indicator","Severity","Type","TLP"
"evil.example.com","orange","domain","TLP:CLEAR"
"44d88612fea8a8f36de82e1278abb02f",3,md5,vert
"bad""quote",1,string,
unterminated,"x
X

printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.severity\n2a0b:4140:a0::/48\tIntel::SUBNET\tSOC\tbulletproof\t-\nsvch0st_upd.exe\tIntel::FILE_NAME\tSOC\tdropper\thigh\nmail.example.com\tIntel::DOMAIN\tSOC\t(empty)\t-\n1.2.3.4\tIntel::ADDR\tSOC,other\tx\t-\nhttp://a.example/b\tIntel::URL\tSOC\t-\t-\nbob@example.com\tIntel::EMAIL\tSOC\t-\t-\nd41d8cd98f00b204e9800998ecf8427e\tIntel::FILE_HASH\tSOC\t-\t-\nfoo\tIntel::SOFTWARE\tSOC\t-\t-\n' |
    seed fuzz_load_zeek intel.dat
printf '#fields\tindicator\tindicator_type\n10.0.0.0/8\tIntel::SUBNET\n#close\t2026-01-01\nshort\n' |
    seed fuzz_load_zeek short.dat

cat <<'X' | seed fuzz_load_stix bundle.json
{"type":"bundle","id":"bundle--1","objects":[
{"type":"marking-definition","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","definition_type":"tlp","definition":{"tlp":"amber"}},
{"type":"indicator","spec_version":"2.1","id":"indicator--1","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","valid_until":"2099-01-01T00:00:00Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
 "pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'evil.example.com' OR url:value = 'http://a.example/b\\'c'] OR [file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"},
{"type":"indicator","id":"indicator--2","pattern":"[ipv4-addr:value ISSUBSET '10.0.0.0/8'] AND [email-addr:value = 'a@b.example']","labels":["malicious-activity"]},
{"type":"indicator","id":"indicator--3","pattern":"[file:name = 'x.exe'] WITHIN 5 SECONDS"},
{"type":"malware","id":"malware--1","name":"x"}]}
X
printf '[{"type":"indicator","id":"indicator--a","pattern":"[ipv6-addr:value = \x272001:db8::/32\x27]","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}]' |
    seed fuzz_load_stix array.json

cat <<'X' | seed fuzz_load_misp event.json
{"Event":{"info":"campaign x","uuid":"5b0d-1","threat_level_id":"1","Tag":[{"name":"tlp:amber"}],
"Attribute":[
{"type":"ip-dst","category":"Network activity","value":"198.51.100.7","to_ids":true},
{"type":"domain|ip","value":"evil.example.com|198.51.100.8","to_ids":true},
{"type":"url","value":"hxxp://evil[.]example[.]com/x","to_ids":true,"Tag":[{"name":"tlp:red"}]},
{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","to_ids":false},
{"type":"filename|sha256","value":"a.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
{"type":"email-src","value":"bob@evil.example.com","to_ids":true},
{"type":"ip-dst|port","value":"203.0.113.9|443","to_ids":true}],
"Object":[{"name":"file","Attribute":[{"type":"sha1","value":"da39a3ee5e6b4b0d3255bfef95601890afd80709","to_ids":true}]}]}}
X
printf '{"info":"bare","Attribute":[{"type":"hostname","value":"c2.example.net","to_ids":true}],"Tag":[{"name":"tlp:clear"}]}' |
    seed fuzz_load_misp bare.json

cat <<'X' | seed fuzz_load_openioc red.ioc
<?xml version="1.0" encoding="us-ascii"?>
<ioc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.mandiant.com/2010/ioc" id="a1" last-modified="2019-01-01T00:00:00">
  <short_description>RED TEAM TOOL</short_description>
  <definition>
    <Indicator operator="OR" id="i1">
      <IndicatorItem id="ii1" condition="is">
        <Context document="FileItem" search="FileItem/Md5sum" type="mir"/>
        <Content type="md5">44d88612fea8a8f36de82e1278abb02f</Content>
      </IndicatorItem>
      <IndicatorItem id="ii2" condition="is">
        <Context document="Network" search="Network/DNS" type="mir"/>
        <Content type="string">evil.example.com</Content>
      </IndicatorItem>
      <Indicator operator="AND" id="i2">
        <IndicatorItem id="ii3" condition="contains">
          <Context document="FileItem" search="FileItem/FileName" type="mir"/>
          <Content type="string">dropper.exe</Content>
        </IndicatorItem>
        <IndicatorItem id="ii4" condition="is">
          <Context document="PortItem" search="PortItem/remoteIP" type="mir"/>
          <Content type="IP">198.51.100.4</Content>
        </IndicatorItem>
      </Indicator>
    </Indicator>
  </definition>
</ioc>
X
printf '<?xml version="1.0"?><OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1"><criteria><Indicator operator="OR"><IndicatorItem condition="is"><Context document="FileItem" search="FileItem/Sha256sum"/><Content type="string">E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855</Content></IndicatorItem></Indicator></criteria></OpenIOC>' |
    seed fuzz_load_openioc v11.ioc

cat <<'X' | seed fuzz_load_text datasheet.md
# Attack datasheet 2026-0042 (TLP:AMBER)

The actor used hxxps://login-portal[.]example[.]com/owa to phish users, then
dropped `svch0st.exe` (SHA-256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)
which beacons to 198.51.100[.]23 and 2001:db8::dead over port 443.

| Indicator | Type |
|---|---|
| evil[.]example[.]org | domain |
| 203.0.113.0/24 | CIDR |
| bob[at]evil[dot]example[dot]com | e-mail |

Version 1.2.3.4 of the tool is not an indicator; see https://www.cert.example/advisory.
X
printf '<html><body><p>IOC: <code>hxxp://a[.]example/x</code>, 192.0.2[.]1, md5 44d88612fea8a8f36de82e1278abb02f</p></body></html>\n' |
    seed fuzz_load_text page.html

# detection: first byte picks the file name (see fuzz_load.h)
for f in "$c"/fuzz_load_{plain,csv,zeek,stix,misp,openioc,text}/*; do
    n=$(basename "$f")
    for b in 0 1 2 7; do
        { printf "\\x0$b"; cat "$f"; } | seed fuzz_load_auto "$b-$n"
    done
done

# ---- gzip: mode byte (bit 0 map, bits 1-2 read size) + file -----------------
printf 'line one 198.51.100.1\nline two evil.example.com\n' >"$tmp/a.txt"
seq 1 3000 | sed 's/$/ padding text for a longer member/' >"$tmp/b.txt"
gzip -9 -n -c "$tmp/a.txt" >"$tmp/a.gz"
gzip -1 -n -c "$tmp/b.txt" >"$tmp/b.gz"
cat "$tmp/a.gz" "$tmp/b.gz" "$tmp/a.gz" >"$tmp/multi.gz"
{ cat "$tmp/a.gz"; head -c 1024 /dev/zero; } >"$tmp/pad.gz"
head -c 40 "$tmp/b.gz" >"$tmp/trunc.gz"
{ head -c $(($(stat -c %s "$tmp/a.gz") - 4)) "$tmp/a.gz"; printf 'XXXX'; } >"$tmp/badlen.gz"
gzip -c -n "$tmp/a.txt" | head -c 10 >"$tmp/hdr.gz"
for f in a b multi pad trunc badlen hdr; do
    m=0
    for mode in 0 3 5 7; do
        { printf "\\x0$mode"; cat "$tmp/$f.gz"; } | seed fuzz_gzip "$f-$mode"
    done
done
{ printf '\x01'; cat "$tmp/a.txt"; } | seed fuzz_gzip raw-1
printf '\x00\x1f\x8b\x08' | seed fuzz_gzip magic-only

# ---- database files: mode byte (bit 0: fix the checksum) + .tdb ------------
if [ -x "$trawl" ]; then
    printf 'evil.example.com\n198.51.100.1\n' >"$tmp/s1.txt"
    "$trawl" compile -o "$tmp/s1.tdb" "$tmp/s1.txt" >/dev/null 2>&1
    printf '%s\n' 10.0.0.0/8 192.0.2.0/24 2001:db8::/32 2001:db8::1 1.2.3.4 \
        d41d8cd98f00b204e9800998ecf8427e da39a3ee5e6b4b0d3255bfef95601890afd80709 \
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 >"$tmp/s2.txt"
    "$trawl" compile -o "$tmp/s2.tdb" "$tmp/s2.txt" >/dev/null 2>&1
    printf 'type,value\nurl,http://evil.example.com/a\nemail,bob@example.com\nfilename,dropper.exe\nstring,EVIL-STRING\nregex,ev[i1]l-[0-9]+\n' >"$tmp/s3.csv"
    "$trawl" compile -o "$tmp/s3.tdb" "$tmp/s3.csv" >/dev/null 2>&1
    for s in s1 s2 s3; do
        size=$(stat -c %s "$tmp/$s.tdb")
        if [ "$size" -gt 20480 ]; then
            echo "make_seeds: $s.tdb is $size bytes (> 20 KB), skipped" >&2
            continue
        fi
        { printf '\x01'; cat "$tmp/$s.tdb"; } | seed fuzz_db_open "$s-fixsum"
        { printf '\x00'; cat "$tmp/$s.tdb"; } | seed fuzz_db_open "$s-asis"
    done
    { printf '\x01'; head -c 300 "$tmp/s1.tdb"; } | seed fuzz_db_open s1-truncated
else
    echo "make_seeds: no trawl binary at $trawl: database seeds not made" >&2
fi
printf '\x00TRAWLDB' | seed fuzz_db_open short-magic
printf '\x01not a database at all' | seed fuzz_db_open foreign

# ---- round trip: opts, split (2 bytes), indicator lines, data -------------
# opts bits 0-2: lines - 1; bit 3: compile UTF-16; bit 4: scan UTF-16.
# line: type byte (low nibble = enum trawl_ioc_type: 0 ipv4 1 ipv6 2 cidr
# 3 domain 4 url 5 email 6 md5 7 sha1 8 sha256 9 filename 10 string 11 regex;
# 0x10 exact, 0x20 nocase) then the value.
rt() { seed fuzz_roundtrip "$1"; }
printf '\x07\x00\x20\x00198.51.100.1\n\x03evil.example.com\n\x04http://a.example/x?y=1\n\x05bob@evil.example.com\n\x06d41d8cd98f00b204e9800998ecf8427e\n\x0210.0.0.0/8\n\x01 2001:db8::1\n\x09dropper.exe\nGET http://a.example/x?y=1 from 198.51.100.1 via www.evil.example.com by bob@evil.example.com 10.9.8.7 2001:db8::1 d41d8cd98f00b204e9800998ecf8427e dropper.exe\n' | rt types
printf '\x1a\x00\x10\x03evil.example.com\n\x00198.51.100.1\n\x2aSeCrEt\ne\x00v\x00i\x00l\x00.\x00e\x00x\x00a\x00m\x00p\x00l\x00e\x00.\x00c\x00o\x00m\x00 \x001\x009\x008\x00.\x005\x001\x00.\x001\x000\x000\x00.\x001\x00 secret\n' | rt utf16
printf '\x01\x00\x05\x0b[a-z]+@evil\\.com\n\x13evil.example.com\nxx abc@evil.com sub.evil.example.com evil.example.com\n' | rt regex-exact
printf '\x00\x02\xc0\x08e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n' >"$tmp/rt"
{ cat "$tmp/rt"; printf 'x%.0s' $(seq 1 700); printf ' e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 '; printf 'ab%.0s' $(seq 1 300); printf 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n'; } | rt hash-long
printf '\x00\x00\x0c\x00198.51.100.1\n1198.51.100.1 198.51.100.12 198.51.100.1.5 x198.51.100.1 198.51.100.1\n' | rt ipv4-edges

echo "make_seeds: $(find "$c" -type f | wc -l) files in $c"
