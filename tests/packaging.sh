#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# packaging - builds the Debian package with packaging/build-deb.sh (what
# `make deb` runs) and checks it as a packager would, without installing
# it: dpkg-deb -I (name, version = the CMake project version, dependencies
# from shlibs plus adduser and postfix, conffiles, maintainer scripts with
# debhelper's snippets), dpkg-deb -c (every file with its mode and owner,
# nothing else: no secret, no test, no build debris), the shipped
# /usr/share/postmask/main.cf is packaging/main.cf (no conffiles), the units (hardening, user,
# ordering; systemd-analyze verify when available) and lintian (no error,
# no warning) when installed.  Skipped (77) without debhelper and
# dpkg-dev, which scripts/install-deps does not install, and inside a
# package build.
set -u
. "$SRC/tests/lib.sh"

if [ -n "${POSTMASK_IN_DEB_BUILD:-}" ]; then
    echo "packaging: inside a package build; skipped"
    exit 77
fi
for tool in dpkg-buildpackage dh dpkg-deb; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "packaging: $tool is missing (apt-get install debhelper devscripts); skipped"
        exit 77
    fi
done

T=$(t_tmpdir packaging)
trap 'rm -rf "$T"' EXIT INT TERM
OUT=$T/deb

DEBFULLNAME="Pat Packager" DEBEMAIL=pat@example.org \
    sh "$SRC/packaging/build-deb.sh" "$OUT" >"$T/build.log" 2>&1 \
    || t_fail "build-deb.sh failed: $(tail -30 "$T/build.log")"
# nocheck (build-deb.sh's default) builds the programs, not the tests.
grep -q 'BUILD_TESTING=OFF' "$T/build.log" || t_check_fail "the package build configured the tests"
grep -Eq 'Linking C executable (tests/)?test_' "$T/build.log" \
    && t_check_fail "the package build compiled tests under nocheck"
VERSION=$(sed -n 's/^project(postmask VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ -n "$VERSION" ] || t_fail "no project version in CMakeLists.txt"
DEB=$OUT/postmask_${VERSION}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || t_fail "no $DEB: $(ls "$OUT")"

# Control fields.
field() {
    dpkg-deb -f "$DEB" "$1"
}
[ "$(field Package)" = postmask ] || t_check_fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || t_check_fail "Version: $(field Version), want $VERSION"
[ "$(field Section)" = mail ] || t_check_fail "Section: $(field Section)"
[ "$(field Maintainer)" = "Pat Packager <pat@example.org>" ] \
    || t_check_fail "Maintainer (from DEBFULLNAME and DEBEMAIL): $(field Maintainer)"
depends=$(field Depends)
for dep in 'postfix (>= 3.7)' adduser libmilter1.0.1 libgmime-3.0-0 \
           libevent-2.1-7 libcurl4 libjansson4 libssl3 libc6; do
    case ", $depends," in
        *", $dep"[\ ,]*) ;;
        *) t_check_fail "Depends lacks $dep: $depends" ;;
    esac
done

# No conffiles: /etc/postmask/main.cf is made by the postinst from
# /usr/share/postmask/main.cf (an upgrade never asks about it).
dpkg-deb -e "$DEB" "$T/control"
[ ! -s "$T/control/conffiles" ] || t_check_fail "conffiles: $(cat "$T/control/conffiles")"

# Every file, with mode and owner; nothing else.
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort >"$T/files"
sort >"$T/files.want" <<'EOF'
-rw-r--r-- root/root ./lib/systemd/system/postmask-bridge.service
-rw-r--r-- root/root ./lib/systemd/system/postmask-milter.service
-rw-r--r-- root/root ./usr/lib/tmpfiles.d/postmask.conf
-rwxr-xr-x root/root ./usr/sbin/postmask-bridge
-rwxr-xr-x root/root ./usr/sbin/postmask-milter
-rwxr-xr-x root/root ./usr/sbin/postmaskctl
-rw-r--r-- root/root ./usr/share/doc/postmask/DEPLOYMENT.md.gz
-rw-r--r-- root/root ./usr/share/doc/postmask/README.Debian.gz
-rw-r--r-- root/root ./usr/share/doc/postmask/README.md.gz
-rw-r--r-- root/root ./usr/share/doc/postmask/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/postmask/copyright
-rw-r--r-- root/root ./usr/share/man/man5/postmask.5.gz
-rw-r--r-- root/root ./usr/share/man/man8/postmask-bridge.8.gz
-rw-r--r-- root/root ./usr/share/man/man8/postmask-milter.8.gz
-rw-r--r-- root/root ./usr/share/man/man8/postmaskctl.8.gz
-rw-r--r-- root/root ./usr/share/postmask/main.cf
-rw-r--r-- root/root ./usr/share/postmask/master.cf
EOF
diff "$T/files.want" "$T/files" >"$T/files.diff" \
    || t_check_fail "package contents differ (- want, + have): $(tr '\n' '|' <"$T/files.diff")"

dpkg-deb -x "$DEB" "$T/root"
cmp -s "$T/root/usr/share/postmask/main.cf" "$SRC/packaging/main.cf" \
    || t_check_fail "/usr/share/postmask/main.cf is not packaging/main.cf"
# The shipped configuration loads, and postconf reads it without a warning.
"$T/root/usr/sbin/postmaskctl" -c "$T/root/usr/share/postmask" config milter_listen >"$T/cfg" 2>&1 \
    || t_check_fail "postmaskctl cannot load the shipped main.cf: $(cat "$T/cfg")"
if command -v postconf >/dev/null 2>&1 || [ -x /usr/sbin/postconf ]; then
    warn=$(/usr/sbin/postconf -c "$T/root/usr/share/postmask" -n 2>&1 >/dev/null)
    [ -z "$warn" ] || t_check_fail "postconf -c /usr/share/postmask -n warns: $warn"
fi

# Maintainer scripts: ours, with debhelper's snippets in place of
# #DEBHELPER#; the user made with adduser --system; no systemctl, postconf
# only on postmask's own configuration, Postfix's changed only by the
# prerm's detach.
for s in postinst prerm postrm; do
    [ -x "$T/control/$s" ] || t_check_fail "no executable $s"
    sh -n "$T/control/$s" || t_check_fail "$s: syntax error"
    grep -q '#DEBHELPER#' "$T/control/$s" && t_check_fail "$s: #DEBHELPER# not replaced"
done
grep -q 'adduser --system' "$T/control/postinst" || t_check_fail "postinst: no adduser --system"
grep -q "deb-systemd-helper enable 'postmask-milter.service'" "$T/control/postinst" \
    || t_check_fail "postinst does not enable postmask-milter.service"
grep -q 'systemd-tmpfiles .*--create postmask.conf' "$T/control/postinst" \
    || t_check_fail "postinst does not apply tmpfiles.d/postmask.conf"
for s in postinst prerm postrm; do
    sed -n '1,/^# Automatically added by/p' "$T/control/$s" \
        | grep -v '^ *#' | grep -v '^ *echo' >"$T/own.$s"
    # postconf only on postmask's own configuration ($pm_etc, $pm_dist);
    # Postfix's is changed by the prerm's detach alone (postmaskctl).
    if grep -E 'systemctl|postconf|postfix (reload|stop|start)' "$T/own.$s" \
        | grep -Ev 'postconf -c "\$pm_(etc|dist)"' | grep -q .; then
        t_check_fail "$s calls systemctl or changes Postfix: $(grep -E 'systemctl|postconf' "$T/own.$s")"
    fi
done
grep -q 'postfix -c "$PF_DIR" *\\$' "$T/control/prerm" && grep -q -- '-r detach' "$T/control/prerm" \
    || t_check_fail "prerm does not detach postmask from Postfix"

# The units: Type=notify with a watchdog, logs to the journal as mail,
# a dedicated user, least privilege, ordered before Postfix.
for unit in postmask-milter postmask-bridge; do
    f=$T/root/lib/systemd/system/$unit.service
    for line in "ExecStart=/usr/sbin/$unit -f" Type=notify NotifyAccess=main \
                WatchdogSec=30s SyslogFacility=mail "SyslogIdentifier=$unit" \
                User=postmask Group=postmask \
                NoNewPrivileges=yes CapabilityBoundingSet= ProtectSystem=strict \
                PrivateTmp=yes PrivateDevices=yes ProtectHome=yes \
                'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
                SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
                Restart=on-failure WantedBy=multi-user.target; do
        grep -qxF "$line" "$f" || t_check_fail "$unit.service: no line \"$line\""
    done
done
M=$T/root/lib/systemd/system/postmask-milter.service
grep -qxF 'ReadWritePaths=/var/spool/postmask -/var/spool/postfix/postmask' "$M" \
    || t_check_fail "postmask-milter.service: spool and socket directory not writable"
grep -qxF 'UMask=0007' "$M" || t_check_fail "postmask-milter.service: no UMask=0007"
# systemctl reload: SIGUSR1 for the milter (libmilter stops on SIGHUP).
grep -qxF 'ExecReload=/bin/kill -USR1 $MAINPID' "$M" \
    || t_check_fail "postmask-milter.service: no ExecReload sending SIGUSR1"
grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' \
    "$T/root/lib/systemd/system/postmask-bridge.service" \
    || t_check_fail "postmask-bridge.service: no ExecReload sending SIGHUP"
grep -qxF 'Before=postfix@-.service postfix.service' "$M" \
    || t_check_fail "postmask-milter.service: not ordered before Postfix"
grep -qxF 'ConditionPathExists=/etc/postmask/twilio_auth_token' \
    "$T/root/lib/systemd/system/postmask-bridge.service" \
    || t_check_fail "postmask-bridge.service: starts without Twilio credentials"
grep -qxF 'd /var/spool/postfix/postmask 2750 postmask postfix -' \
    "$T/root/usr/lib/tmpfiles.d/postmask.conf" \
    || t_check_fail "tmpfiles.d: no socket directory"
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir "$T/units"
    for unit in postmask-milter postmask-bridge; do
        sed "s|^ExecStart=/usr/sbin/|ExecStart=$T/root/usr/sbin/|" \
            "$T/root/lib/systemd/system/$unit.service" >"$T/units/$unit.service"
    done
    systemd-analyze verify --man=no "$T/units/postmask-milter.service" \
        "$T/units/postmask-bridge.service" >"$T/verify" 2>&1 \
        || t_check_fail "systemd-analyze verify: $(cat "$T/verify")"
else
    echo "packaging: systemd-analyze is not installed; units not verified"
fi

# lintian: no error, no warning (information and pedantic notes allowed).
if command -v lintian >/dev/null 2>&1; then
    lintian --no-tag-display-limit "$DEB" >"$T/lintian" 2>&1
    if grep -E '^(E|W):' "$T/lintian" >"$T/lintian.bad"; then
        t_check_fail "lintian: $(tr '\n' '|' <"$T/lintian.bad")"
    fi
else
    echo "packaging: lintian is not installed; not run"
fi

t_done
