# shellcheck shell=bash
# Same input and indicators as ../utf16le, scanned with --utf16 off: only
# the plain ASCII part matches.
cp ../utf16le/iocs.csv .
. ../utf16le/setup.sh
