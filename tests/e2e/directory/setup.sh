# shellcheck shell=bash
# input/sub/deeper/c.log is scanned as c.log.gz
gzip -n input/sub/deeper/c.log
