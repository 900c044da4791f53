# shellcheck shell=bash
# ../ipv6 plus an IPv6 CIDR: with any IPv6 CIDR in the database, addresses
# are found by token extraction instead of literals. The hits of ../ipv6 must
# stay the same, plus the CIDR's.
set -e
cp ../ipv6/input.log .
{ cat ../ipv6/iocs.csv; echo 'cidr,2001:db8:abcd::/48'; } > iocs.csv
{ cat ../ipv6/expected; printf '295\t2001:db8:abcd::/48\n332\t2001:db8:abcd::/48\n'; } | sort > expected
