#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# packaging_scripts - the maintainer scripts' logic, run against a scratch
# root (DPKG_ROOT) without installing anything on this machine: the spool
# and the socket directory with their owners and modes, the secrets made on
# first installation (mode 0640 root:group, a key postmaskctl accepts and
# an API token of 64 hex digits), nothing changed on a second run, no
# secret left when making one fails, the system user made with adduser
# --system (adduser and friends replaced by fakes that log), the purge (the
# address keys saved to /var/backups/postmask and said so, the undelivered
# jobs counted), and
# the prerm's detach while Postfix still uses the milter (Postfix's files as
# before, reloaded; a failing detach stops the removal); the units pass
# systemd-analyze verify and score 2.0 or better ("OK") in systemd-analyze
# security, when systemd-analyze is installed.  Runs as root
# (chown); skipped (77) otherwise.
set -u
. "$SRC/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "packaging_scripts: needs root (chown); skipped"
    exit 77
fi
D=$SRC/packaging/debian
T=$(t_tmpdir packaging_scripts)
trap 'rm -rf "$T"' EXIT INT TERM

for s in postmask.postinst postmask.prerm postmask.postrm; do
    sh -n "$D/$s" || t_check_fail "$s: syntax error"
    [ -x "$D/$s" ] || t_check_fail "$s is not executable"
done
if command -v checkbashisms >/dev/null 2>&1; then
    checkbashisms "$D/postmask.postinst" "$D/postmask.prerm" "$D/postmask.postrm" \
        >"$T/bashisms" 2>&1 || t_check_fail "checkbashisms: $(cat "$T/bashisms")"
fi

# The units as systemd reads them (ExecStart pointed at this build).
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir "$T/units"
    for unit in postmask-milter postmask-bridge; do
        sed "s|^ExecStart=/usr/sbin/|ExecStart=$BIN/|" \
            "$SRC/packaging/systemd/$unit.service" >"$T/units/$unit.service"
    done
    systemd-analyze verify --man=no "$T/units/postmask-milter.service" \
        "$T/units/postmask-bridge.service" >"$T/verify" 2>&1 \
        || t_check_fail "systemd-analyze verify: $(cat "$T/verify")"
    for unit in postmask-milter postmask-bridge; do
        systemd-analyze security --offline=yes --threshold=20 \
            "$T/units/$unit.service" >"$T/security" 2>&1 \
            || t_check_fail "$unit: systemd-analyze security: $(tail -1 "$T/security")"
    done
else
    echo "packaging_scripts: systemd-analyze is not installed; units not verified"
fi

# The postinst's functions, as the postinst defines them.
sed -n '/^# BEGIN postmask setup functions/,/^# END postmask setup functions/p' \
    "$D/postmask.postinst" >"$T/functions.sh"
grep -q '^pm_make_secrets()' "$T/functions.sh" || t_fail "no setup functions in postmask.postinst"

# A scratch root with what dpkg and Postfix would have put there.
R=$T/root
mkdir -p "$R/etc/postmask" "$R/var/spool/postfix"
cp "$SRC/packaging/main.cf" "$SRC/packaging/master.cf" "$R/etc/postmask/"

# setup CMDS: runs the postinst functions in a subshell with DPKG_ROOT=R,
# the user and groups replaced by ones that exist here, and the built
# postmaskctl; sets rc.
setup() {
    rc=0
    (
        set -e
        DPKG_ROOT=$R
        . "$T/functions.sh"
        PM_USER=daemon
        PM_GROUP=daemon
        PF_GROUP=mail
        POSTMASKCTL=${FAKE_POSTMASKCTL:-$BIN/postmaskctl}
        eval "$1"
    ) >"$T/setup.out" 2>&1 || rc=$?
}

# mode_owner FILE: "mode user group"
mode_owner() {
    stat -c '%a %U %G' "$1"
}

setup 'pm_make_dirs && pm_make_secrets'
[ "$rc" = 0 ] || t_fail "setup failed: $(cat "$T/setup.out")"
[ "$(mode_owner "$R/var/spool/postmask")" = "700 daemon daemon" ] \
    || t_check_fail "/var/spool/postmask: $(mode_owner "$R/var/spool/postmask")"
[ "$(mode_owner "$R/var/spool/postfix/postmask")" = "2750 daemon mail" ] \
    || t_check_fail "/var/spool/postfix/postmask: $(mode_owner "$R/var/spool/postfix/postmask")"
for f in address.keys api_token; do
    [ "$(mode_owner "$R/etc/postmask/$f")" = "640 root daemon" ] \
        || t_check_fail "$f: $(mode_owner "$R/etc/postmask/$f")"
done
grep -Eqx '[0-9]{8} [0-9a-f]{64}' "$R/etc/postmask/address.keys" \
    || t_check_fail "address.keys: \"$(cat "$R/etc/postmask/address.keys")\""
grep -Eqx '[0-9a-f]{64}' "$R/etc/postmask/api_token" \
    || t_check_fail "api_token: \"$(cat "$R/etc/postmask/api_token")\""
[ "$(wc -l <"$R/etc/postmask/api_token")" = 1 ] || t_check_fail "api_token: not one line"
ls "$R/etc/postmask" | grep -q dpkg-new && t_check_fail "a .dpkg-new file is left"

# The generated key signs and verifies proxy addresses.
mkdir "$T/cfg"
printf 'proxy_domains = reply.example.com\naddress_keys_file = %s\nspool_directory = %s\n' \
    "$R/etc/postmask/address.keys" "$T/spool" >"$T/cfg/main.cf"
SID=CH9f86d081884c7d659a2feaa0c55ad015
addr=$("$BIN/postmaskctl" -c "$T/cfg" address encode $SID 2>&1) \
    || t_check_fail "encode with the generated key: $addr"
sid=$("$BIN/postmaskctl" -c "$T/cfg" address decode "$addr" 2>&1)
[ "$sid" = "$SID" ] || t_check_fail "decode with the generated key: $sid"

# A second run (an upgrade) changes nothing, and leaves what the admin
# changed alone.
cp -p "$R/etc/postmask/address.keys" "$T/keys.before"
cp -p "$R/etc/postmask/api_token" "$T/token.before"
chmod 0750 "$R/var/spool/postmask"
setup 'pm_make_dirs && pm_make_secrets'
[ "$rc" = 0 ] || t_check_fail "second setup failed: $(cat "$T/setup.out")"
cmp -s "$R/etc/postmask/address.keys" "$T/keys.before" || t_check_fail "second run changed address.keys"
cmp -s "$R/etc/postmask/api_token" "$T/token.before" || t_check_fail "second run changed api_token"
[ "$(mode_owner "$R/var/spool/postmask")" = "750 daemon daemon" ] \
    || t_check_fail "second run changed the spool's mode: $(mode_owner "$R/var/spool/postmask")"

# Two installations never share a secret.
R2=$T/root2
mkdir -p "$R2/etc/postmask"
cp "$SRC/packaging/main.cf" "$R2/etc/postmask/"
R_SAVE=$R
R=$R2
setup 'pm_make_secrets'
R=$R_SAVE
[ "$rc" = 0 ] || t_check_fail "setup in a second root failed: $(cat "$T/setup.out")"
cmp -s "$R/etc/postmask/api_token" "$R2/etc/postmask/api_token" && t_check_fail "the same api_token twice"
cmp -s "$R/etc/postmask/address.keys" "$R2/etc/postmask/address.keys" && t_check_fail "the same address key twice"

# A generator that fails leaves no secret (the postinst stops, set -e).
rm "$R/etc/postmask/address.keys"
FAKE_POSTMASKCTL=/bin/false
setup 'pm_make_secrets'
unset FAKE_POSTMASKCTL
[ "$rc" != 0 ] || t_check_fail "setup with a failing postmaskctl succeeded"
[ ! -e "$R/etc/postmask/address.keys" ] || t_check_fail "a failed generation left address.keys"
setup 'pm_make_secrets'
[ "$rc" = 0 ] || t_check_fail "setup after a failure: $(cat "$T/setup.out")"
[ -s "$R/etc/postmask/address.keys" ] || t_check_fail "no address.keys after a retry"
ls "$R/etc/postmask" | grep -q dpkg-new && t_check_fail "a .dpkg-new file is left after a retry"

# The configuration: made from /usr/share/postmask when missing; on an
# upgrade from a version that lacked a parameter (here spool_sync_method),
# with values the admin changed, the admin's values stay, the new
# parameter comes with its default, postconf reads the file without a
# warning, and a second configure changes nothing.
R4=$T/root4
mkdir -p "$R4/usr/share/postmask" "$R4/etc/postmask"
cp "$SRC/packaging/main.cf" "$SRC/packaging/master.cf" "$R4/usr/share/postmask/"
rc=0
(DPKG_ROOT=$R4; set -e; . "$T/functions.sh"; pm_config) >"$T/config.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || t_check_fail "pm_config, first installation: $(cat "$T/config.out")"
cmp -s "$R4/etc/postmask/main.cf" "$SRC/packaging/main.cf" \
    || t_check_fail "first installation: /etc/postmask/main.cf is not the shipped one"
[ "$(mode_owner "$R4/etc/postmask/main.cf")" = "644 root root" ] \
    || t_check_fail "first installation: main.cf $(mode_owner "$R4/etc/postmask/main.cf")"
# The previous version's file, as an admin left it.
sed -e 's/ dedupe_lifetime, spool_sync_method,/ dedupe_lifetime,/' -e '/^spool_sync_method =/d' \
    -e 's/^proxy_domains =.*/proxy_domains = reply.admin.example/' \
    -e 's/^job_concurrency =.*/job_concurrency = 7/' \
    "$SRC/packaging/main.cf" >"$R4/etc/postmask/main.cf"
printf '# the admin was here\n' >>"$R4/etc/postmask/main.cf"
grep -q spool_sync_method "$R4/etc/postmask/main.cf" && t_fail "the old main.cf was not made"
rc=0
(DPKG_ROOT=$R4; set -e; . "$T/functions.sh"; pm_config) >"$T/config.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || t_check_fail "pm_config, upgrade: $(cat "$T/config.out")"
pcv() { /usr/sbin/postconf -c "$R4/etc/postmask" -h "$1"; }
[ "$(pcv proxy_domains)" = reply.admin.example ] || t_check_fail "upgrade: proxy_domains is $(pcv proxy_domains)"
[ "$(pcv job_concurrency)" = 7 ] || t_check_fail "upgrade: job_concurrency is $(pcv job_concurrency)"
[ "$(pcv spool_sync_method)" = fsync ] || t_check_fail "upgrade: spool_sync_method is \"$(pcv spool_sync_method)\""
grep -q '^# the admin was here$' "$R4/etc/postmask/main.cf" || t_check_fail "upgrade: the admin's comment is gone"
grep -q "new parameter spool_sync_method = fsync added" "$T/config.out" \
    || t_check_fail "upgrade does not say what it added: $(cat "$T/config.out")"
warn=$(/usr/sbin/postconf -c "$R4/etc/postmask" -n 2>&1 >/dev/null)
[ -z "$warn" ] || t_check_fail "upgrade: postconf -n warns: $warn"
"$BIN/postmaskctl" -c "$R4/etc/postmask" config >/dev/null 2>&1 || t_check_fail "upgrade: main.cf does not load"
cp -p "$R4/etc/postmask/main.cf" "$T/main.cf.upgraded"
(DPKG_ROOT=$R4; set -e; . "$T/functions.sh"; pm_config) >"$T/config.out" 2>&1 \
    || t_check_fail "pm_config, again: $(cat "$T/config.out")"
cmp -s "$R4/etc/postmask/main.cf" "$T/main.cf.upgraded" || t_check_fail "a second configure changed main.cf"
[ ! -s "$T/config.out" ] || t_check_fail "a second configure says: $(cat "$T/config.out")"

# The system user: fakes of getent, addgroup and adduser record the calls.
mkdir "$T/fake"
for p in getent addgroup adduser; do
    printf '#!/bin/sh\necho "%s $*" >>%s\n[ %s != getent ] || exit 2\n' \
        "$p" "$T/fake/calls" "$p" >"$T/fake/$p"
    chmod 755 "$T/fake/$p"
done
rc=0
R3=$T/root3
mkdir -p "$R3/var/spool"
(PATH=$T/fake:$PATH; DPKG_ROOT=$R3; set -e; . "$T/functions.sh"; pm_create_user
 [ -d "$R3/var/spool/postmask" ] || { echo "no home before adduser"; exit 1; }
 PM_USER=daemon; PM_GROUP=daemon; pm_make_dirs) >"$T/user.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || t_check_fail "pm_create_user: $(cat "$T/user.out")"
# adduser finds its home (no warning about it), which then is the user's.
[ "$(mode_owner "$R3/var/spool/postmask")" = "700 daemon daemon" ] \
    || t_check_fail "the new home: $(mode_owner "$R3/var/spool/postmask")"
grep -qx 'addgroup --system postmask' "$T/fake/calls" \
    || t_check_fail "no addgroup --system postmask: $(cat "$T/fake/calls")"
grep -qx 'adduser --system --ingroup postmask --home /var/spool/postmask --no-create-home --shell /usr/sbin/nologin --comment postmask milter and bridge postmask' "$T/fake/calls" \
    || t_check_fail "adduser call: $(cat "$T/fake/calls")"

# prerm: on remove, a Postfix still attached is detached (and reloaded
# when it runs) before postmaskctl goes; when that fails, the removal stops.
# The Postfix here is a private configuration whose command_directory
# holds a fake postfix that logs; it "runs" (master.pid names this shell).
mkdir -p "$R/etc/postfix" "$T/pfqueue" "$T/pfbin"
: >"$R/etc/postmask/master.cf"
/usr/sbin/postconf -c "$R/etc/postmask" -e 'proxy_domains = reply.example.com'
cat >"$R/etc/postfix/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/pfqueue
command_directory = $T/pfbin
myhostname = mx.example.com
smtpd_milters = inet:localhost:8891
EOF
printf 'smtp      inet  n       -       y       -       -       smtpd\n' >"$R/etc/postfix/master.cf"
printf '#!/bin/sh\necho "$@" >>%s\nexit ${FAKE_RELOAD_STATUS:-0}\n' \
    "$T/pfbin/calls" >"$T/pfbin/postfix"
chmod 755 "$T/pfbin/postfix"
mkdir -p "$T/pfqueue/pid"
printf "%32s\n" "$$" >"$T/pfqueue/pid/master.pid"   # Postfix "runs"
touch -d '10 seconds ago' "$R/etc/postfix/main.cf" "$R/etc/postfix/master.cf"
cp "$R/etc/postfix/main.cf" "$T/pf-main.before"
/usr/sbin/postconf -c "$R/etc/postfix" -n >"$T/pf.before" 2>/dev/null
cp "$R/etc/postfix/master.cf" "$T/pf-master.before"
prerm() {
    rc=0
    out=$(DPKG_ROOT=$R POSTMASK_PRERM_POSTMASKCTL=$BIN/postmaskctl \
          sh "$D/postmask.prerm" "$@" 2>&1) || rc=$?
}
prerm remove
[ "$rc" = 0 ] || t_check_fail "prerm remove failed, nothing attached: $out"
[ -z "$out" ] || t_check_fail "prerm says something with nothing attached: $out"
"$BIN/postmaskctl" -c "$R/etc/postmask" postfix -c "$R/etc/postfix" attach >"$T/attach.out" 2>&1 \
    || t_fail "attach: $(cat "$T/attach.out")"
[ -e "$R/etc/postfix/postmask-attach.state" ] || t_fail "attach left no state file"
cmp -s "$R/etc/postfix/main.cf" "$T/pf-main.before" && t_fail "attach changed nothing"
prerm upgrade
[ "$rc" = 0 ] && [ -z "$out" ] || t_check_fail "prerm upgrade: exit $rc: $out"
[ -e "$R/etc/postfix/postmask-attach.state" ] || t_check_fail "prerm upgrade detached"
# Detaching fails (the reload does): the removal stops, with the reason.
FAKE_RELOAD_STATUS=1 prerm remove
[ "$rc" = 1 ] || t_check_fail "prerm remove with a failing detach: exit $rc"
case $out in
*"cannot detach postmask from Postfix; the package stays"*) ;;
*) t_check_fail "prerm remove with a failing detach says: $out" ;;
esac
# It works: Postfix's files are as before the attach, and it was reloaded.
"$BIN/postmaskctl" -c "$R/etc/postmask" postfix -c "$R/etc/postfix" attach >"$T/attach.out" 2>&1 \
    || t_fail "attach again: $(cat "$T/attach.out")"
rm -f "$T/pfbin/calls"
prerm remove
[ "$rc" = 0 ] || t_check_fail "prerm remove while attached: exit $rc: $out"
case $out in
*"detaching it (postmaskctl postfix -r detach)"*) ;;
*) t_check_fail "prerm remove does not say it detaches: $out" ;;
esac
[ ! -e "$R/etc/postfix/postmask-attach.state" ] || t_check_fail "prerm remove left the state file"
/usr/sbin/postconf -c "$R/etc/postfix" -n >"$T/pf.after" 2>/dev/null
cmp -s "$T/pf.before" "$T/pf.after" \
    || t_check_fail "after prerm remove, postconf -n differs: $(diff "$T/pf.before" "$T/pf.after" | tr "\n" " ")"
cmp -s "$R/etc/postfix/master.cf" "$T/pf-master.before" \
    || t_check_fail "after prerm remove, master.cf differs: $(diff "$T/pf-master.before" "$R/etc/postfix/master.cf")"
grep -qx -- "-c $R/etc/postfix reload" "$T/pfbin/calls" \
    || t_check_fail "prerm remove did not reload Postfix: $(cat "$T/pfbin/calls" 2>/dev/null)"

# postrm: remove keeps everything, purge takes postmask's files away and
# nothing of Postfix's.
DPKG_ROOT=$R sh "$D/postmask.postrm" remove || t_check_fail "postrm remove failed"
[ -f "$R/etc/postmask/address.keys" ] && [ -d "$R/var/spool/postmask" ] \
    || t_check_fail "postrm remove removed configuration or spool"
cp "$R/etc/postmask/address.keys" "$T/keys.purged"
mkdir -p "$R/var/spool/postmask/active" "$R/var/spool/postmask/deferred"
: >"$R/var/spool/postmask/active/0000000A00000001"
: >"$R/var/spool/postmask/deferred/0000000A00000002"
mkdir -p "$R/var/spool/postmask/journal"
echo record >"$R/var/spool/postmask/journal/0000000000000003"
out=$(DPKG_ROOT=$R sh "$D/postmask.postrm" purge 2>&1) || t_check_fail "postrm purge failed: $out"
# The keys are saved (0600) and the message says where and why; the jobs
# that go with the spool are counted.
saved=$(ls "$R/var/backups/postmask/" 2>/dev/null)
case $saved in
address.keys.2*Z) ;;
*) t_check_fail "purge saved no address keys in /var/backups/postmask: $saved" ;;
esac
cmp -s "$T/keys.purged" "$R/var/backups/postmask/$saved" || t_check_fail "the saved keys differ"
[ "$(stat -c %a "$R/var/backups/postmask/$saved")" = 600 ] \
    || t_check_fail "saved keys: mode $(stat -c %a "$R/var/backups/postmask/$saved")"
case $out in
*"address keys are saved in"*"/var/backups/postmask/$saved"*"copy the file back"*) ;;
*) t_check_fail "purge does not say where the keys went: $out" ;;
esac
case $out in
*"2 undelivered job(s)"*) ;;
*) t_check_fail "purge does not count the undelivered jobs: $out" ;;
esac
case $out in
*"webhook jobs in /var/spool/postmask/journal"*) ;;
*) t_check_fail "purge does not mention the journal's webhook jobs: $out" ;;
esac
for p in etc/postmask var/spool/postmask var/spool/postfix/postmask; do
    [ ! -e "$R/$p" ] || t_check_fail "purge left /$p"
done
[ -d "$R/var/spool/postfix" ] && [ -e "$R/etc/postfix/main.cf" ] \
    || t_check_fail "purge touched Postfix's files"

t_done
