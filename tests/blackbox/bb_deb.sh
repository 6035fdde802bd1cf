# tests/blackbox/bb_deb.sh - `make deb`: the Debian package builds with
# dpkg-buildpackage -us -uc -b from debian/ (debian/build.sh, on a copy of
# the tree), lintian finds no error, and the package's postinst, run into
# a scratch root (DPKG_ROOT, as dpkg runs it for a chroot), creates the
# muster and muster-web users, /var/lib/muster 0700 and /etc/muster/keys
# 0750 root:muster; musterd is enabled but never started without keys.
# Skipped (77) where dpkg-buildpackage, debhelper or lintian are missing.
. "$(dirname "$0")/lib.sh"
for tool in dpkg-buildpackage dh lintian systemd-sysusers systemd-tmpfiles; do
    command -v $tool >/dev/null || { echo "skipped: no $tool"; exit 77; }
done

bash "$SRC/debian/build.sh" "$T/deb" >"$T/deb.log" 2>&1 || fail "make deb: $(tail -n 30 "$T/deb.log")"
deb=$(ls "$T"/deb/muster_*_*.deb)
! grep -q '^E: ' "$T/deb/lintian.log" || fail "lintian: $(cat "$T/deb/lintian.log")"
ok "dpkg-buildpackage built $(basename "$deb"); lintian reports no error"

R=$T/root
dpkg-deb -x "$deb" "$R"
dpkg-deb -e "$deb" "$T/ctl"
for f in usr/sbin/musterd usr/bin/muster usr/sbin/muster-web lib/systemd/system/musterd.service \
    lib/systemd/system/muster-web.service lib/systemd/system/muster-backup.service \
    lib/systemd/system/muster-backup.timer \
    usr/share/man/man8/musterd.8.gz usr/share/man/man1/muster.1.gz \
    usr/share/man/man5/muster-plan.5.gz usr/share/man/man8/muster-web.8.gz \
    usr/share/bash-completion/completions/muster usr/libexec/muster/page-sms \
    usr/share/muster/plans/example.yaml usr/share/muster/plans/holidays/england-and-wales.yaml; do
    [ -e "$R/$f" ] || fail "the package lacks $f"
done
ls "$R"/usr/share/doc/muster/operations.md* >/dev/null 2>&1 || fail "the package lacks operations.md"
grep -qx 'ExecStart=/usr/sbin/musterd .*' "$R/lib/systemd/system/musterd.service" || fail "unit ExecStart"
grep -qx 'ConditionPathExists=/etc/muster/keys/server.key' "$R/lib/systemd/system/musterd.service" ||
    fail "musterd.service would start without keys"
"$R/usr/sbin/musterd" --version | grep -q '^musterd ' || fail "packaged musterd --version"
ok "binaries, units (never started without keys), manual pages, completion, plans, scripts"

# The postinst's user and directory steps, into the scratch root.
mkdir -p "$R/etc"
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
grep -E '^\s*systemd-(sysusers|tmpfiles) ' "$T/ctl/postinst" >"$T/steps.sh" || fail "postinst: $(cat "$T/ctl/postinst")"
[ "$(wc -l <"$T/steps.sh")" = 2 ] && head -n 1 "$T/steps.sh" | grep -q sysusers ||
    fail "postinst must make the users, then the directories: $(cat "$T/steps.sh")"
DPKG_ROOT=$R sh -e "$T/steps.sh" >/dev/null 2>&1 || fail "postinst steps failed"
uid=$(awk -F: '$1 == "muster" { print $3 }' "$R/etc/passwd")
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && grep -q '^muster-web:' "$R/etc/passwd" || fail "users: $(cat "$R/etc/passwd")"
grep -q "^muster:.*:/usr/sbin/nologin$" "$R/etc/passwd" || fail "muster can log in: $(cat "$R/etc/passwd")"
[ "$(stat -c '%a %u' "$R/var/lib/muster")" = "700 $uid" ] || fail "/var/lib/muster: $(stat -c '%a %u' "$R/var/lib/muster")"
[ "$(stat -c '%a %u %g' "$R/etc/muster/keys")" = "750 0 $uid" ] || fail "/etc/muster/keys: $(stat -c '%a %u %g' "$R/etc/muster/keys")"
grep -q "deb-systemd-invoke .*musterd.service" "$T/ctl/postinst" || fail "musterd is not started by postinst"
! grep -q "deb-systemd-invoke .*muster-web.service" "$T/ctl/postinst" || fail "postinst starts muster-web"
! grep -q "muster-backup" "$T/ctl/postinst" || fail "postinst enables the backup timer before there are keys"
ok "postinst: users muster and muster-web, /var/lib/muster 0700, /etc/muster/keys 0750 root:muster"
