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
# Pages sent at the same moment run at once: the line is written under a
# lock, so two pages never share a line.
exec 9>>"$dir/$MUSTER_AGENCY.log"
flock 9
{ cat; echo; } >&9
