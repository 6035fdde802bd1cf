# tests/blackbox/bb_install.sh - what `make install` installs (it runs
# `cmake --install BUILD --prefix PREFIX`, DESTDIR honoured): into a
# DESTDIR with prefix /usr, the exact list of files and their modes, the
# units rewritten for /usr and never starting without keys, man pages and
# completion, example plans that the installed musterd checks with the
# installed paging scripts.
. "$(dirname "$0")/lib.sh"

R=$T/root
DESTDIR=$R cmake --install "$BIN" --prefix /usr >"$T/install.log" || fail "install: $(cat "$T/install.log")"
(cd "$R" && find . -mindepth 1 \( -type f -o -type l \) -printf '%P %m %y\n' | sort) >"$T/files"

want() { # PATH MODE [TYPE]: installed with this mode
    grep -qxF "$1 $2 ${3:-f}" "$T/files" || fail "$1: want mode $2 ${3:-f}, have: $(grep "^$1 " "$T/files" || echo missing)"
}
want usr/bin/muster 755
want usr/sbin/musterd 755
want usr/sbin/muster-web 755
want usr/lib/systemd/system/musterd.service 644
want usr/lib/systemd/system/muster-web.service 644
want usr/lib/systemd/system/muster-backup.service 644
want usr/lib/systemd/system/muster-backup.timer 644
want usr/lib/sysusers.d/muster.conf 644
want usr/lib/tmpfiles.d/muster.conf 644
want usr/share/man/man1/muster.1 644
want usr/share/man/man5/muster-plan.5 644
want usr/share/man/man8/musterd.8 644
want usr/share/man/man8/muster-web.8 644
want usr/share/bash-completion/completions/muster 644
want usr/share/muster/plans/example.yaml 644
want usr/share/muster/plans/cambridgeshire.yaml 644
want usr/share/muster/plans/holidays/england-and-wales.yaml 644
want usr/share/muster/plans/holidays/scotland.yaml 644
want usr/share/muster/plans/holidays/northern-ireland.yaml 644
want usr/share/muster/samples/casualty-bureau.csv 644
want usr/share/muster/standards/cap-1.2.xsd 644
want usr/share/muster/standards/pfif-1.4.xsd 644
want usr/share/muster/standards/edxl-rm-1.0-msg.xsd 644
want usr/share/muster/standards/edxl-rm-1.0-ct.xsd 644
want usr/share/muster/standards/edxl-sitrep-1.0.xsd 644
want usr/share/muster/standards/edxl-ct-1.0-sitrep.xsd 644
want usr/libexec/muster/page-sms 755
want usr/libexec/muster/page-dry-run 755
want usr/libexec/muster/dry-run/page-sms 777 l
want usr/share/doc/muster/README.md 644
want usr/share/doc/muster/protocol.md 644
want usr/share/doc/muster/operations.md 644
want usr/share/doc/muster/interop.md 644
want usr/share/muster/web/board.html 644
for l in en pl lt ro pt; do want "usr/share/muster/web-i18n/$l.json" 644; done
want usr/lib/ocf/resource.d/muster/musterd 755
# Nothing else but the web pages, their translations and the documents.
others=$(grep -v -e '^usr/share/muster/web/' -e '^usr/share/muster/web-i18n/' -e '^usr/share/doc/muster/' "$T/files" | wc -l)
[ "$others" = 30 ] || fail "unexpected files installed: $(cat "$T/files")"
! grep -v ' 644 f$\| 755 f$\| 777 l$' "$T/files" || fail "a file with an odd mode"
ok "$(wc -l <"$T/files") files, with their modes"

u=$R/usr/lib/systemd/system
grep -qx 'ExecStart=/usr/sbin/musterd .*' "$u/musterd.service" || fail "musterd.service: $(grep ExecStart "$u/musterd.service")"
grep -qx 'ExecStart=/usr/sbin/muster-web serve .*' "$u/muster-web.service" || fail "muster-web.service ExecStart"
grep -q -- '--static /usr/share/muster/web ' "$u/muster-web.service" || fail "muster-web.service --static"
grep -q -- '--i18n /usr/share/muster/web-i18n ' "$u/muster-web.service" || fail "muster-web.service --i18n"
! grep -q /usr/local "$u"/muster* || fail "a unit still names /usr/local"
grep -q '^ */usr/bin/muster backup --db ' "$u/muster-backup.service" || fail "muster-backup.service ExecStart"
grep -qx 'OnCalendar=hourly' "$u/muster-backup.timer" || fail "muster-backup.timer"
grep -qx 'ConditionPathExists=/etc/muster/keys/server.key' "$u/musterd.service" || fail "musterd starts without keys"
grep -qx 'ConditionPathExists=/etc/muster/web-keys/web.key' "$u/muster-web.service" || fail "muster-web starts without keys"
grep -q '^u muster ' "$R/usr/lib/sysusers.d/muster.conf" || fail "no muster user"
grep -q '^u muster-web ' "$R/usr/lib/sysusers.d/muster.conf" || fail "no muster-web user"
grep -qx 'd /var/lib/muster *0700 muster *muster *-' "$R/usr/lib/tmpfiles.d/muster.conf" || fail "/var/lib/muster mode"
grep -qx 'd /etc/muster/keys *0750 root *muster *-' "$R/usr/lib/tmpfiles.d/muster.conf" || fail "/etc/muster/keys mode"
ok "units for /usr that never start without keys; the users and directories they need"

"$R/usr/sbin/musterd" --version | grep -q '^musterd ' || fail "installed musterd --version"
"$R/usr/bin/muster" --version | grep -q '^muster ' || fail "installed muster --version"
"$R/usr/sbin/musterd" --scripts "$R/usr/libexec/muster" --check-plan "$R"/usr/share/muster/plans/*.yaml \
    >"$T/check.log" 2>&1 || fail "installed plans: $(cat "$T/check.log")"
# (the horizon warning of the shipped holiday files is a dated reminder,
# tested in bb_check_plans: ignored here so the suite passes on any day)
! grep -v 'before the incident horizon' "$T/check.log" | grep -qi warn ||
    fail "installed plans warn: $(cat "$T/check.log")"
ok "the installed musterd checks the installed example plans with the installed paging scripts"
