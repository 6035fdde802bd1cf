#!/bin/sh
# An exec paging channel for the tests: appends the page (its JSON on
# standard input) as one line to DIR/$MUSTER_AGENCY.log.  Given "hang" as
# its second argument it never finishes, so musterd must kill it; given
# "fail" it exits 3.
dir=$1
case "${2:-}" in
hang) echo $$ >>"$dir/$MUSTER_AGENCY.hung"; exec sleep 600 ;;
fail) echo "gateway refused the message"; exit 3 ;;
esac
{ cat; echo; } >>"$dir/$MUSTER_AGENCY.log"
