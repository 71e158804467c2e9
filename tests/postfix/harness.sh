# SPDX-License-Identifier: Apache-2.0
# tests/postfix/harness.sh - a private Postfix instance for tests.
#
# Sourced by shell tests after "$SRC/tests/lib.sh".  It builds a Postfix
# instance from scratch under a temporary directory (never /etc/postfix or
# /var/spool/postfix), with two smtpd listeners on free loopback ports, an
# smtp-sink downstream that dumps every delivered message to a file, and
# postmask-milter with its own configuration.  Everything it starts is
# stopped by an EXIT trap, also when the test fails or is interrupted, and
# instances left behind by a test that was killed outright are reaped by the
# next pf_setup.  See tests/postfix/README for the API and an example.
#
# POSIX sh (dash); safe under "set -eu".  Linux only (/proc).  Runs as root.

# ---------------------------------------------------------------------------
# Settings a test may change before pf_setup (before or after sourcing).

: "${PF_MILTER:=yes}"                   # attach the milter to both listeners
: "${PF_PROXY_DOMAINS:=reply.example.com}"
: "${PF_RELAY_DOMAINS:=}"                # default: PF_PROXY_DOMAINS other.example
: "${PF_MX_DAEMON_NAME:=postmask-mx}"           # {daemon_name} of the MX
: "${PF_MASKING_DAEMON_NAME:=postmask-masking}" # ... of the masking listener
: "${PF_MILTER_TRANSPORT:=unix}"        # unix (socket in the queue) or inet
: "${PF_MILTER_PROG:=${BIN:-.}/postmask-milter}"
: "${PF_MILTER_ARGS:=}"                 # extra arguments after -f -c DIR
: "${PF_SINK_USER:=nobody}"
: "${PF_SINK_ARGS:=}"                   # extra smtp-sink options (e.g. -r RCPT)
: "${PF_SWAKS_TIMEOUT:=30}"
: "${PF_TIMEOUT:=20}"                   # default bound of every wait, seconds
: "${PF_KEEP:=}"                        # non-empty: keep the instance dir
: "${PF_QUIET:=}"                       # non-empty: no diagnostics on failure
: "${PF_TMP_FALLBACK:=${TMPDIR:-/tmp}/postmask-tests}"
: "${PF_VERIFIERS:=no}"                 # yes: the MX verifier stack of
                                        # tests/postfix/verifiers.sh

# No instance yet (pf_node_clear: also the state a second instance starts
# from, see "Several instances" below).
pf_node_clear() {
    PF_DIR=
    PF_STARTED=
    PF_SWAKS_N=0
    PF_MILTER_PID=
    PF_MILTER_JOB=
    PF_MILTER_STATUS=
    PF_SINK_PID=
    PF_SINK_JOB=
}
pf_node_clear

# ---------------------------------------------------------------------------
# Small helpers.

_pf_die() {
    if command -v t_fail >/dev/null 2>&1; then
        t_fail "harness: $*"
    fi
    echo "FAIL: harness: $*" >&2
    exit 1
}

_pf_skip() {
    echo "SKIP: ${T_NAME:-test}: $*"
    exit 77
}

_pf_note() {
    echo "harness: $*" >&2
}

# _pf_poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds (status 0)
# or SECONDS have passed (status 1).
_pf_poll() {
    _pf_poll_n=$(($1 * 10))
    shift
    while :; do
        if "$@"; then
            return 0
        fi
        [ "$_pf_poll_n" -gt 0 ] || return 1
        _pf_poll_n=$((_pf_poll_n - 1))
        sleep 0.1
    done
}

# _pf_alive PID: the process exists and is not a zombie.
_pf_alive() {
    [ -n "$1" ] || return 1
    _pf_stat=
    { read -r _pf_stat </proc/"$1"/stat; } 2>/dev/null || return 1
    _pf_stat=${_pf_stat##*') '}
    case $_pf_stat in
        Z* | X*) return 1 ;;
    esac
    return 0
}

_pf_dead() {
    ! _pf_alive "$1"
}

# _pf_wait_job JOB: collects a child's exit status into $_pf_job_status,
# but never blocks on one that still runs.
_pf_wait_job() {
    _pf_job_status=
    [ -n "$1" ] || return 0
    _pf_alive "$1" && return 0
    _pf_job_status=0
    wait "$1" 2>/dev/null || _pf_job_status=$?
}

# _pf_group_alive PGID: some live (non-zombie) process is in the group.
_pf_group_alive() {
    _pf_gid=$1
    [ -n "$_pf_gid" ] || return 1
    for _pf_p in /proc/[0-9]*; do
        _pf_stat=
        { read -r _pf_stat <"$_pf_p/stat"; } 2>/dev/null || continue
        # After "(comm) ": state ppid pgrp ...
        _pf_stat=${_pf_stat##*') '}
        set -f
        # shellcheck disable=SC2086
        set -- $_pf_stat
        set +f
        case $1 in Z* | X*) continue ;; esac
        if [ "$3" = "$_pf_gid" ]; then
            return 0
        fi
    done
    return 1
}

_pf_group_dead() {
    ! _pf_group_alive "$1"
}

# _pf_starttime PID: the process's start time (field 22 of stat), to tell
# it from a later process that reuses its PID.
_pf_starttime() {
    _pf_stat=
    { read -r _pf_stat </proc/"$1"/stat; } 2>/dev/null || return 1
    _pf_stat=${_pf_stat##*') '}
    set -f
    # shellcheck disable=SC2086
    set -- $_pf_stat
    set +f
    # After "comm)" the fields start at 3 (state); starttime is field 22.
    shift 19
    echo "$1"
}

# _pf_kill_group PGID [GRACE]: SIGTERM the process group, wait up to GRACE
# seconds (default 5) for it to go, then SIGKILL whatever is left.
_pf_kill_group() {
    _pf_gid=$1
    [ -n "$_pf_gid" ] || return 0
    _pf_group_alive "$_pf_gid" || return 0
    kill -TERM "-$_pf_gid" 2>/dev/null || :
    if ! _pf_poll "${2:-5}" _pf_group_dead "$_pf_gid"; then
        kill -KILL "-$_pf_gid" 2>/dev/null || :
        _pf_poll 5 _pf_group_dead "$_pf_gid" || :
    fi
    return 0
}

# _pf_free_ports N: prints N distinct TCP ports that are free on 127.0.0.1
# right now (the kernel picks them; all are held until all are chosen).
_pf_free_ports() {
    perl -MSocket -e '
        my @s;
        for (1 .. $ARGV[0]) {
            socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
            bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
                or die "bind: $!\n";
            my ($port) = unpack_sockaddr_in(getsockname($s));
            print "$port\n";
            push @s, $s;
        }' "$1"
}

# _pf_banner PORT: connects to 127.0.0.1:PORT and succeeds when the server
# greets with 220.  Quits politely.
_pf_banner() {
    perl -MSocket -e '
        socket(my $s, PF_INET, SOCK_STREAM, 0) or exit 1;
        connect($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1")))
            or exit 1;
        $SIG{ALRM} = sub { exit 1 };
        alarm 5;
        my $l = <$s>;
        exit 1 unless defined $l && $l =~ /^220/;
        syswrite $s, "QUIT\r\n";
        <$s>;
        exit 0;' "$1" 2>/dev/null
}

# _pf_listening PORT: something accepts connections on 127.0.0.1:PORT.
_pf_listening() {
    perl -MSocket -e '
        socket(my $s, PF_INET, SOCK_STREAM, 0) or exit 1;
        connect($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1")))
            or exit 1;
        exit 0;' "$1" 2>/dev/null
}

# _pf_spawn PIDFILE UMASK CMD...: starts CMD under UMASK in its own session
# and process group, stdin from /dev/null; the caller redirects stdout and
# stderr.  The PID (also the process group ID) is written to PIDFILE before
# CMD runs and left in $_pf_spawn_pid; $_pf_spawn_job is the job to wait for
# (the same PID unless setsid had to fork).
_pf_spawn() {
    _pf_pidfile=$1
    rm -f "$_pf_pidfile"
    setsid sh -c 'umask "$1" && shift && echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
        "$@" </dev/null &
    _pf_spawn_job=$!
    if ! _pf_poll 5 test -s "$_pf_pidfile"; then
        _pf_die "could not start $3"
    fi
    read -r _pf_spawn_pid <"$_pf_pidfile"
}

# ---------------------------------------------------------------------------
# Leftovers of killed tests.

# _pf_belongs PID DIR: the process belongs to instance DIR: its cwd or
# root is in DIR or its command line names DIR.  Checked before a PID from
# a pidfile is signalled, so that a reused PID is left alone.
_pf_belongs() {
    _pf_b_pid=$1
    _pf_b_dir=$2
    for _pf_b_link in cwd root; do
        _pf_b_target=$(readlink "/proc/$_pf_b_pid/$_pf_b_link" 2>/dev/null) || continue
        case $_pf_b_target in
            "$_pf_b_dir" | "$_pf_b_dir"/*) return 0 ;;
        esac
    done
    _pf_b_cmd=$(tr '\000' ' ' 2>/dev/null <"/proc/$_pf_b_pid/cmdline") || return 1
    case $_pf_b_cmd in
        *"$_pf_b_dir"*) return 0 ;;
    esac
    return 1
}

# pf_procs_in DIR: prints the PIDs of live processes that belong to DIR
# (cwd, root or command line), other than this shell.  Empty after
# pf_cleanup: Postfix's daemons run with their cwd in the queue directory,
# smtp-sink chrooted in the sink directory, the milter with -c DIR/postmask.
pf_procs_in() {
    for _pf_pp in /proc/[0-9]*; do
        _pf_pp=${_pf_pp#/proc/}
        [ "$_pf_pp" != $$ ] || continue
        _pf_alive "$_pf_pp" || continue
        if _pf_belongs "$_pf_pp" "$1"; then
            echo "$_pf_pp"
        fi
    done
    return 0
}

# _pf_reap_dir DIR WHY: stops the processes named by DIR's pidfiles.
_pf_reap_dir() {
    _pf_r_dir=$1
    for _pf_r_file in "$_pf_r_dir/queue/pid/master.pid" "$_pf_r_dir/sink.pid" \
        "$_pf_r_dir/milter.pid" "$_pf_r_dir"/vf-*.pid; do
        [ -s "$_pf_r_file" ] || continue
        _pf_r_pid=
        read -r _pf_r_pid <"$_pf_r_file" 2>/dev/null || continue
        # master.pid is padded with spaces
        _pf_r_pid=$(echo $_pf_r_pid)
        case $_pf_r_pid in '' | *[!0-9]*) continue ;; esac
        if _pf_alive "$_pf_r_pid" && _pf_belongs "$_pf_r_pid" "$_pf_r_dir"; then
            _pf_note "reaping process group $_pf_r_pid $2 in $_pf_r_dir"
            _pf_kill_group "$_pf_r_pid" 1
        fi
    done
}

# pf_reap_stale [BASE]: reaps instances under BASE (default: where pf_setup
# makes them) whose owner process is gone.
pf_reap_stale() {
    for _pf_s_owner in "${1:-$T_TMP_BASE}"/postfix.*/owner; do
        [ -f "$_pf_s_owner" ] || continue
        _pf_s_dir=${_pf_s_owner%/owner}
        _pf_s_pid=
        _pf_s_start=
        read -r _pf_s_pid _pf_s_start <"$_pf_s_owner" 2>/dev/null || :
        if [ -n "$_pf_s_pid" ] && _pf_alive "$_pf_s_pid" \
            && [ "$(_pf_starttime "$_pf_s_pid")" = "$_pf_s_start" ]; then
            continue
        fi
        _pf_reap_dir "$_pf_s_dir" "left by a killed test"
        rm -f "$_pf_s_owner"
    done
}

# ---------------------------------------------------------------------------
# Setup.

_pf_write_main_cf() {
    cat >"$PF_CONF/main.cf" <<EOF
# A private Postfix instance for postmask's tests, written by
# tests/postfix/harness.sh.  Nothing here comes from /etc/postfix.
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_MAILLOG
maillog_file_prefixes = $PF_DIR

# Loopback only, no DNS, nothing local: every message goes to the sink.
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = $PF_RELAY_DOMAINS
relayhost = [127.0.0.1]:$PF_PORT_SINK
relay_transport = relay:[127.0.0.1]:$PF_PORT_SINK
smtp_host_lookup = native
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
notify_classes =
biff = no
append_dot_mydomain = no
readme_directory = no

# Fast: no inflow throttling, quick retries.
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s

# postmask-milter.  The listeners take their milters from these two
# parameters (see master.cf); pf_milter_attach and pf_milter_detach switch
# them between $PF_MILTER_SPEC and nothing.
postmask_mx_milters = $_pf_milters
postmask_masking_milters = $_pf_milters
smtpd_milters =
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 20s
EOF
}

_pf_write_master_cf() {
    cat >"$PF_CONF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
# The MX listener: acts as MX of the proxy domains; trusts no network.
127.0.0.1:$PF_PORT_MX inet n - n - - smtpd
  -o syslog_name=postfix/mx
  -o mynetworks=
  -o smtpd_milters=\$postmask_mx_milters
  -o milter_macro_daemon_name=$PF_MX_DAEMON_NAME
# The masking listener: loopback submission, masked on the way out.
127.0.0.1:$PF_PORT_MASKING inet n - n - - smtpd
  -o syslog_name=postfix/masking
  -o smtpd_milters=\$postmask_masking_milters
  -o milter_macro_daemon_name=$PF_MASKING_DAEMON_NAME
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
  -o syslog_name=postfix/relay
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

_pf_write_postmask_cf() {
    cat >"$PF_PM_DIR/main.cf" <<EOF
# postmask configuration for a test, written by tests/postfix/harness.sh.
proxy_domains = $PF_PROXY_DOMAINS
address_keys_file = $PF_PM_KEYS
spool_directory = $PF_PM_SPOOL
milter_listen = $PF_MILTER_LISTEN
EOF
    : >"$PF_PM_DIR/master.cf"     # keeps postconf -c quiet
    (umask 077 && echo "k1 0123456789abcdef0123456789abcdef" >"$PF_PM_KEYS")
}

# _pf_make_queue: the queue and data directories as Postfix's
# postfix-files wants them, so that pf_postfix_start can skip "postfix
# check" (post-install create-missing forks some 170 processes: seconds on
# a loaded 2-core machine) through the quick-start file.
_pf_make_queue() {
    chmod 0755 "$PF_QUEUE"
    for _pf_q in active bounce corrupt defer deferred flush hold incoming \
        private saved trace maildrop public pid; do
        mkdir -p "$PF_QUEUE/$_pf_q"
        case $_pf_q in
            pid) chmod 0755 "$PF_QUEUE/$_pf_q" ;;
            maildrop) chown postfix:postdrop "$PF_QUEUE/$_pf_q"
                chmod 0730 "$PF_QUEUE/$_pf_q" ;;
            public) chown postfix:postdrop "$PF_QUEUE/$_pf_q"
                chmod 0710 "$PF_QUEUE/$_pf_q" ;;
            *) chown postfix "$PF_QUEUE/$_pf_q"
                chmod 0700 "$PF_QUEUE/$_pf_q" ;;
        esac
    done
    chown postfix "$PF_DATA"            # master.lock lives here
    chmod 0700 "$PF_DATA"
}

# pf_require: exits 77 (the test is skipped, see postfix.cmake) unless the
# harness can run here: root, Postfix, swaks, perl, util-linux.  pf_setup
# calls it; call it first when a test does work of its own before pf_setup.
pf_require() {
    [ "$(id -u)" = 0 ] || _pf_skip "the Postfix harness runs as root only"
    case :$PATH: in
        *:/usr/sbin:*) ;;
        *) PATH=$PATH:/usr/sbin:/sbin ;;
    esac
    for _pf_prog in postfix postconf postqueue sendmail smtp-sink swaks perl \
        setsid setpriv; do
        command -v "$_pf_prog" >/dev/null 2>&1 || _pf_skip "$_pf_prog is not installed"
    done
    id postfix >/dev/null 2>&1 || _pf_skip "no postfix user"
    getent group postdrop >/dev/null 2>&1 || _pf_skip "no postdrop group"
    id "$PF_SINK_USER" >/dev/null 2>&1 || _pf_skip "no user $PF_SINK_USER for smtp-sink"
}

# pf_setup [--no-milter]: makes a fresh instance and sets the PF_* variables
# (see the README).  Starts nothing; pf_start does.
pf_setup() {
    while [ $# -gt 0 ]; do
        case $1 in
            --no-milter) PF_MILTER=no ;;
            *) _pf_die "pf_setup: unknown option $1" ;;
        esac
        shift
    done
    pf_require
    [ -z "$PF_DIR" ] || _pf_die "pf_setup: one instance per test script"
    : "${PF_RELAY_DOMAINS:=$PF_PROXY_DOMAINS other.example}"

    pf_reap_stale "$T_TMP_BASE"
    pf_reap_stale "$PF_TMP_FALLBACK"

    # Postfix's master opens data_directory/master.lock as the postfix
    # user, by absolute path: the instance must be reachable by postfix.
    # The build tree may not be (a home directory of mode 0700, say); then
    # the instance goes to $PF_TMP_FALLBACK instead.
    PF_DIR=$(t_tmpdir postfix)
    chmod 0711 "$PF_DIR"
    if ! setpriv --reuid=postfix --regid=postfix --clear-groups \
        test -x "$PF_DIR/." 2>/dev/null; then
        rmdir "$PF_DIR"
        mkdir -p "$PF_TMP_FALLBACK"
        chmod 0711 "$PF_TMP_FALLBACK"
        PF_DIR=$(mktemp -d "$PF_TMP_FALLBACK/postfix.XXXXXX")
        chmod 0711 "$PF_DIR"
        _pf_note "the build tree is not reachable by the postfix user; instance in $PF_DIR"
    fi
    echo "$$ $(_pf_starttime $$)" >"$PF_DIR/owner"
    trap '_pf_on_exit' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM

    PF_CONF=$PF_DIR/etc
    PF_QUEUE=$PF_DIR/queue
    PF_DATA=$PF_DIR/data
    PF_MAILLOG=$PF_DIR/maillog
    PF_SINK_DIR=$PF_DIR/sink
    PF_PM_DIR=$PF_DIR/postmask
    PF_PM_SPOOL=$PF_DIR/spool
    PF_PM_KEYS=$PF_PM_DIR/address.keys
    PF_MILTER_LOG=$PF_DIR/milter.log
    mkdir "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$PF_SINK_DIR" "$PF_PM_DIR" \
        "$PF_QUEUE/postmask" || _pf_die "mkdir in $PF_DIR failed"
    _pf_make_queue
    chown "$PF_SINK_USER" "$PF_SINK_DIR"        # smtp-sink writes here
    # Like the packaged /var/spool/postfix/postmask: group postfix, setgid,
    # so the socket (made under umask 007) is reachable by smtpd.
    chgrp postfix "$PF_QUEUE/postmask"
    chmod 2750 "$PF_QUEUE/postmask"
    : >"$PF_MAILLOG"

    _pf_ports=$(_pf_free_ports 4) || _pf_die "no free ports"
    # shellcheck disable=SC2086
    set -- $_pf_ports
    PF_PORT_MX=$1
    PF_PORT_MASKING=$2
    PF_PORT_SINK=$3
    PF_PORT_MILTER=$4

    PF_MILTER_SOCK=$PF_QUEUE/postmask/milter.sock
    if [ "$PF_MILTER_TRANSPORT" = unix ] && [ ${#PF_MILTER_SOCK} -gt 100 ]; then
        _pf_note "socket path too long for sun_path; the milter listens on inet"
        PF_MILTER_TRANSPORT=inet
    fi
    case $PF_MILTER_TRANSPORT in
        unix)
            PF_MILTER_LISTEN=unix:$PF_MILTER_SOCK
            PF_MILTER_SPEC=unix:postmask/milter.sock   # relative to the queue
            ;;
        inet)
            PF_MILTER_SOCK=
            PF_MILTER_LISTEN=inet:$PF_PORT_MILTER@127.0.0.1
            PF_MILTER_SPEC=inet:127.0.0.1:$PF_PORT_MILTER
            ;;
        *) _pf_die "PF_MILTER_TRANSPORT must be unix or inet" ;;
    esac
    if [ "$PF_MILTER" = yes ]; then
        _pf_milters=$PF_MILTER_SPEC
    else
        _pf_milters=
    fi
    _pf_write_main_cf
    _pf_write_master_cf
    _pf_backdate
    _pf_write_postmask_cf
    if [ "$PF_VERIFIERS" = yes ]; then
        command -v vf_setup >/dev/null 2>&1 \
            || _pf_die "PF_VERIFIERS=yes: source tests/postfix/verifiers.sh and call vf_unshare first"
        vf_setup
    fi
    export PF_DIR PF_CONF PF_QUEUE PF_DATA PF_MAILLOG PF_SINK_DIR PF_PM_DIR \
        PF_PM_SPOOL PF_PM_KEYS PF_MILTER_LOG PF_PORT_MX PF_PORT_MASKING \
        PF_PORT_SINK PF_PORT_MILTER PF_MILTER_SOCK PF_MILTER_LISTEN \
        PF_MILTER_SPEC PF_MX_DAEMON_NAME PF_MASKING_DAEMON_NAME
}

# _pf_backdate: Postfix programs that read main.cf while its mtime is in
# the current second wait until it is not (300 ms naps: "file was modified
# recently"), up to a second or two per program.  Config files are written
# in the past.
_pf_backdate() {
    touch -d '10 seconds ago' "$PF_CONF/main.cf" "$PF_CONF/master.cf"
}

# pf_postconf ARGS...: postconf for the instance (postconf -c DIR ARGS).
# After a change, pf_reload (when running).
pf_postconf() {
    _pf_pc_rc=0
    postconf -c "$PF_CONF" "$@" || _pf_pc_rc=$?
    _pf_backdate
    return $_pf_pc_rc
}

# pf_pmconf ARGS...: postconf for postmask's own configuration directory,
# e.g. pf_pmconf -e 'capture_size_limit = 2048'.  Restart the milter after.
pf_pmconf() {
    postconf -c "$PF_PM_DIR" "$@"
}

# ---------------------------------------------------------------------------
# smtp-sink.

# pf_sink_start: starts smtp-sink on PF_PORT_SINK, dumping each message to a
# file in PF_SINK_DIR (it runs chrooted there as PF_SINK_USER).
pf_sink_start() {
    if [ -n "$PF_SINK_PID" ] && _pf_alive "$PF_SINK_PID"; then
        return 0
    fi
    _pf_try=0
    while :; do
        _pf_try=$((_pf_try + 1))
        # shellcheck disable=SC2086
        _pf_spawn "$PF_DIR/sink.pid" 022 smtp-sink -u "$PF_SINK_USER" \
            -R "$PF_SINK_DIR" -d /msg. -h sink.test.example $PF_SINK_ARGS \
            "127.0.0.1:$PF_PORT_SINK" 64 >>"$PF_DIR/sink.log" 2>&1
        PF_SINK_PID=$_pf_spawn_pid
        PF_SINK_JOB=$_pf_spawn_job
        _pf_poll 10 _pf_sink_up || :
        if _pf_alive "$PF_SINK_PID"; then
            _pf_banner "$PF_PORT_SINK" && return 0
            _pf_die "smtp-sink does not answer on port $PF_PORT_SINK: $(cat "$PF_DIR/sink.log")"
        fi
        _pf_wait_job "$PF_SINK_JOB"
        PF_SINK_PID=
        PF_SINK_JOB=
        if [ "$_pf_try" -lt 3 ] && grep -q "in use" "$PF_DIR/sink.log"; then
            PF_PORT_SINK=$(_pf_free_ports 1) || _pf_die "no free port"
            _pf_note "sink port taken; trying $PF_PORT_SINK"
            pf_postconf -e "relayhost = [127.0.0.1]:$PF_PORT_SINK" \
                "relay_transport = relay:[127.0.0.1]:$PF_PORT_SINK"
            pf_reload
            continue
        fi
        _pf_die "smtp-sink did not start: $(cat "$PF_DIR/sink.log")"
    done
}

_pf_sink_up() {
    _pf_alive "$PF_SINK_PID" || return 0    # the caller looks why
    _pf_banner "$PF_PORT_SINK"
}

pf_sink_stop() {
    [ -n "$PF_SINK_PID" ] || return 0
    _pf_kill_group "$PF_SINK_PID" 5
    _pf_wait_job "$PF_SINK_JOB"
    PF_SINK_PID=
    PF_SINK_JOB=
}

# pf_sink_files: prints the paths of the complete message dumps, oldest
# first, one a line.  smtp-sink creates a dump at MAIL FROM and closes it
# before it answers the final dot: a dump it still holds open is left out.
pf_sink_files() {
    _pf_list=$(cd "$PF_SINK_DIR" && ls -tr) || return 0
    _pf_open=
    if [ -n "$PF_SINK_PID" ]; then
        for _pf_fd in /proc/"$PF_SINK_PID"/fd/*; do
            _pf_t=$(readlink "$_pf_fd" 2>/dev/null) || continue
            case $_pf_t in
                */msg.*) _pf_open="$_pf_open ${_pf_t##*/}" ;;
            esac
        done
    fi
    # The list was read first: a file in it that is not open now was
    # closed, hence complete, by then.
    for _pf_f in $_pf_list; do
        case $_pf_f in msg.*) ;; *) continue ;; esac
        case " $_pf_open " in
            *" $_pf_f "*) continue ;;
        esac
        if [ -f "$PF_SINK_DIR/$_pf_f" ]; then
            echo "$PF_SINK_DIR/$_pf_f"
        fi
    done
    return 0
}

# pf_sink_count: how many complete dumps there are.
pf_sink_count() {
    pf_sink_files | wc -l | tr -d ' '
}

_pf_sink_at_least() {
    [ "$(pf_sink_count)" -ge "$1" ]
}

# pf_wait_delivered N [SECONDS]: waits until at least N complete messages
# reached the sink (one dump per SMTP transaction, whatever the number of
# recipients).  Status 1, with a note, on timeout.
pf_wait_delivered() {
    if _pf_poll "${2:-$PF_TIMEOUT}" _pf_sink_at_least "$1"; then
        return 0
    fi
    _pf_note "pf_wait_delivered $1: only $(pf_sink_count) message(s) reached the sink"
    return 1
}

# pf_sink_mail_from FILE: the envelope sender as the sink received it,
# without angle brackets and MAIL parameters.
pf_sink_mail_from() {
    sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p;/^$/q' "$1" | sed -n 1p
}

# pf_sink_rcpts FILE: the envelope recipients, one a line.
pf_sink_rcpts() {
    sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p;/^$/q' "$1"
}

# pf_sink_message FILE: the message as Postfix delivered it (headers and
# body, LF line ends), without the sink's own pseudo-headers, Received
# header and trailing empty line.  smtp-sink drops every CR.
pf_sink_message() {
    awk '
        state == 0 && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
        state == 0 && /^Received: / { state = 1; next }
        state == 1 { state = 2; next }
        state == 2 { state = 3; next }
        state == 3 { if (have) print prev; prev = $0; have = 1 }
    ' "$1"
}

# ---------------------------------------------------------------------------
# Postfix.

_pf_master_pid() {
    _pf_m=
    if [ -s "$PF_QUEUE/pid/master.pid" ]; then
        read -r _pf_m <"$PF_QUEUE/pid/master.pid" 2>/dev/null || _pf_m=
    fi
    _pf_m=$(echo $_pf_m)
    case $_pf_m in '' | *[!0-9]*) return 1 ;; esac
    echo "$_pf_m"
}

# _pf_port_free PORT: 127.0.0.1:PORT can be bound now.
_pf_port_free() {
    perl -MSocket -e '
        socket(my $s, PF_INET, SOCK_STREAM, 0) or exit 1;
        setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
        bind($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or exit 1;
        exit 0;' "$1" 2>/dev/null
}

# _pf_move_listeners: new ports for the two smtpd listeners.
_pf_move_listeners() {
    _pf_ports=$(_pf_free_ports 2) || _pf_die "no free ports"
    # shellcheck disable=SC2086
    set -- $_pf_ports
    _pf_note "listener port taken; moving the listeners to $1 and $2"
    sed -e "s/^127\.0\.0\.1:$PF_PORT_MX /127.0.0.1:$1 /" \
        -e "s/^127\.0\.0\.1:$PF_PORT_MASKING /127.0.0.1:$2 /" \
        "$PF_CONF/master.cf" >"$PF_CONF/master.cf.new"
    mv "$PF_CONF/master.cf.new" "$PF_CONF/master.cf"
    _pf_backdate
    PF_PORT_MX=$1
    PF_PORT_MASKING=$2
    [ "$PF_VERIFIERS" != yes ] || vf_listeners_moved
}

# pf_postfix_start: starts the instance and waits until both listeners
# greet.  Listener ports taken meanwhile by someone else are replaced
# (PF_PORT_MX and PF_PORT_MASKING change: read them after pf_start).
pf_postfix_start() {
    _pf_try=0
    while :; do
        _pf_try=$((_pf_try + 1))
        [ "$_pf_try" -le 5 ] || _pf_die "no usable listener ports"
        if ! _pf_port_free "$PF_PORT_MX" || ! _pf_port_free "$PF_PORT_MASKING"; then
            _pf_move_listeners
            continue
        fi
        : >"$PF_QUEUE/quick-start"      # no "postfix check": see _pf_make_queue
        _pf_backdate                    # in case a test edited them itself
        _pf_logsize=$(wc -c <"$PF_MAILLOG")
        if postfix -c "$PF_CONF" start >"$PF_DIR/postfix-start.log" 2>&1; then
            break
        fi
        # Lost a race for a port between the check and master's bind().
        if tail -c +$((_pf_logsize + 1)) "$PF_MAILLOG" | grep -q "bind .* in use"; then
            pf_postfix_stop
            _pf_move_listeners
            continue
        fi
        _pf_die "postfix start failed: $(cat "$PF_DIR/postfix-start.log"; tail -20 "$PF_MAILLOG")"
    done
    PF_STARTED=yes
    _pf_poll 10 _pf_banner "$PF_PORT_MX" \
        || _pf_die "the MX listener on port $PF_PORT_MX does not greet: $(tail -20 "$PF_MAILLOG")"
    _pf_poll 10 _pf_banner "$PF_PORT_MASKING" \
        || _pf_die "the masking listener on port $PF_PORT_MASKING does not greet: $(tail -20 "$PF_MAILLOG")"
}

# pf_postfix_stop: stops the instance; never hangs (SIGKILL after a bound).
pf_postfix_stop() {
    _pf_mp=$(_pf_master_pid) || _pf_mp=
    if [ -n "$_pf_mp" ] && _pf_alive "$_pf_mp"; then
        postfix -c "$PF_CONF" stop >/dev/null 2>&1 &
        _pf_stop_job=$!
        if ! _pf_poll 10 _pf_group_dead "$_pf_mp"; then
            _pf_note "postfix stop did not finish; killing process group $_pf_mp"
            kill -KILL "-$_pf_mp" 2>/dev/null || :
            _pf_poll 5 _pf_group_dead "$_pf_mp" || :
        fi
        kill -KILL "$_pf_stop_job" 2>/dev/null || :
        _pf_poll 5 _pf_dead "$_pf_stop_job" || :
        _pf_wait_job "$_pf_stop_job"
    fi
    PF_STARTED=
    return 0
}

# pf_start: the sink, then Postfix.  pf_stop: both.
pf_start() {
    [ "$PF_VERIFIERS" != yes ] || vf_start
    pf_sink_start
    pf_postfix_start
}

pf_stop() {
    pf_postfix_stop
    pf_sink_stop
}

# pf_reload: applies configuration changes.  This is a full restart, not
# "postfix reload", so that no smtpd started with the old settings can take
# the next connection.
pf_reload() {
    if [ -n "$PF_STARTED" ]; then
        pf_postfix_stop
        pf_postfix_start
    fi
}

# pf_milter_attach / pf_milter_detach: both listeners use the milter, or
# none.  pf_reload follows when Postfix is running.
pf_milter_attach() {
    pf_postconf -e "postmask_mx_milters = $PF_MILTER_SPEC" \
        "postmask_masking_milters = $PF_MILTER_SPEC"
    pf_reload
}

pf_milter_detach() {
    pf_postconf -e 'postmask_mx_milters =' 'postmask_masking_milters ='
    pf_reload
}

# ---------------------------------------------------------------------------
# postmask-milter.

_pf_milter_ready() {
    _pf_alive "$PF_MILTER_PID" || return 0       # the caller looks why
    if [ -n "$PF_MILTER_SOCK" ]; then
        [ -S "$PF_MILTER_SOCK" ]
    else
        _pf_listening "$PF_PORT_MILTER"
    fi
}

# pf_milter_start [--no-wait]: starts PF_MILTER_PROG -f -c PF_PM_DIR
# PF_MILTER_ARGS in the background, in its own process group, under umask
# 007 (as the packaged unit), stderr to PF_MILTER_LOG.  Then waits until it
# listens (socket present, or port open): status 0; 1 if it exited (see
# PF_MILTER_LOG); 2 if it still runs but does not listen after PF_TIMEOUT.
# With --no-wait it returns once the process runs.
pf_milter_start() {
    [ -x "$PF_MILTER_PROG" ] || _pf_die "$PF_MILTER_PROG is not built"
    if [ -n "$PF_MILTER_PID" ] && _pf_alive "$PF_MILTER_PID"; then
        _pf_die "pf_milter_start: the milter is already running"
    fi
    if [ -n "$PF_MILTER_SOCK" ]; then
        rm -f "$PF_MILTER_SOCK"
    fi
    PF_MILTER_STATUS=
    # shellcheck disable=SC2086
    _pf_spawn "$PF_DIR/milter.pid" 007 "$PF_MILTER_PROG" -f -c "$PF_PM_DIR" \
        $PF_MILTER_ARGS >>"$PF_MILTER_LOG" 2>&1
    PF_MILTER_PID=$_pf_spawn_pid
    PF_MILTER_JOB=$_pf_spawn_job
    [ "${1:-}" != --no-wait ] || return 0
    if ! _pf_poll "$PF_TIMEOUT" _pf_milter_ready; then
        return 2
    fi
    if _pf_alive "$PF_MILTER_PID"; then
        return 0
    fi
    _pf_milter_reap
    _pf_note "postmask-milter exited${PF_MILTER_STATUS:+ with status $PF_MILTER_STATUS}: $(tail -20 "$PF_MILTER_LOG")"
    return 1
}

# pf_milter_running: the milter process is alive.
pf_milter_running() {
    _pf_alive "$PF_MILTER_PID"
}

# pf_milter_listening: the socket exists (unix) or the port accepts (inet).
pf_milter_listening() {
    if [ -n "$PF_MILTER_SOCK" ]; then
        [ -S "$PF_MILTER_SOCK" ]
    else
        _pf_listening "$PF_PORT_MILTER"
    fi
}

# pf_milter_stop [SECONDS]: SIGTERM, waits up to SECONDS (default
# PF_TIMEOUT; libmilter takes up to about 5 s to exit) and then SIGKILLs.
# $PF_MILTER_STATUS is its exit status (128+N for signal N; empty when
# unknown).  A socket left behind is removed: stopped means no socket.
# Status 0, or 1 if it had to be killed.
pf_milter_stop() {
    _pf_rc=0
    if [ -n "$PF_MILTER_PID" ] && _pf_alive "$PF_MILTER_PID"; then
        kill -TERM "$PF_MILTER_PID" 2>/dev/null || :
        if ! _pf_poll "${1:-$PF_TIMEOUT}" _pf_dead "$PF_MILTER_PID"; then
            _pf_note "postmask-milter still runs ${1:-$PF_TIMEOUT} s after SIGTERM; killing it"
            kill -KILL "-$PF_MILTER_PID" 2>/dev/null || :
            _pf_rc=1
        fi
    fi
    _pf_milter_reap
    if [ -n "$PF_MILTER_SOCK" ]; then
        rm -f "$PF_MILTER_SOCK"
    fi
    return $_pf_rc
}

# pf_milter_kill: SIGKILL at once, as a crash would.  The socket stays.
pf_milter_kill() {
    if [ -n "$PF_MILTER_PID" ]; then
        kill -KILL "-$PF_MILTER_PID" 2>/dev/null || :
    fi
    _pf_milter_reap
}

# _pf_milter_reap: kills what is left of the milter's process group and
# collects its exit status.
_pf_milter_reap() {
    if [ -n "$PF_MILTER_PID" ]; then
        _pf_kill_group "$PF_MILTER_PID" 1
    fi
    if [ -n "$PF_MILTER_JOB" ]; then
        _pf_wait_job "$PF_MILTER_JOB"
        PF_MILTER_STATUS=$_pf_job_status
        if [ "$PF_MILTER_JOB" != "$PF_MILTER_PID" ]; then
            PF_MILTER_STATUS=      # setsid forked: not the milter's status
        fi
    fi
    PF_MILTER_PID=
    PF_MILTER_JOB=
}

# ---------------------------------------------------------------------------
# Clients.

# pf_swaks [mx|masking] SWAKS-ARGS...: runs swaks against a listener (MX by
# default) with --helo client.test.example and a timeout; the transcript
# goes to $PF_SWAKS_LOG, the exit status to $PF_SWAKS_RC (swaks: 0 sent,
# 23 refused at MAIL, 24 at RCPT, 25 at DATA, 26 after the dot, ...).
# Always returns 0.
pf_swaks() {
    _pf_port=$PF_PORT_MX
    case ${1:-} in
        mx) shift ;;
        masking) _pf_port=$PF_PORT_MASKING; shift ;;
    esac
    PF_SWAKS_N=$((PF_SWAKS_N + 1))
    PF_SWAKS_LOG=$PF_DIR/swaks.$PF_SWAKS_N.log
    PF_SWAKS_RC=0
    swaks --server 127.0.0.1 --port "$_pf_port" --helo client.test.example \
        --timeout "$PF_SWAKS_TIMEOUT" "$@" </dev/null >"$PF_SWAKS_LOG" 2>&1 \
        || PF_SWAKS_RC=$?
    return 0
}

# pf_swaks_expect RC [mx|masking] SWAKS-ARGS...: pf_swaks, and t_fail with
# the transcript unless swaks exited RC.
pf_swaks_expect() {
    _pf_want=$1
    shift
    pf_swaks "$@"
    [ "$PF_SWAKS_RC" = "$_pf_want" ] \
        || _pf_die "swaks exited $PF_SWAKS_RC, want $_pf_want: $(cat "$PF_SWAKS_LOG")"
}

# pf_swaks_saw ERE: the last transcript has a line matching ERE, e.g.
# pf_swaks_saw '^<\*\* 451 4\.7\.1 '.
pf_swaks_saw() {
    grep -Eq -- "$1" "$PF_SWAKS_LOG"
}

# pf_sendmail ARGS... <MESSAGE: Postfix's sendmail(1) for the instance.
pf_sendmail() {
    sendmail -C "$PF_CONF" "$@"
}

# ---------------------------------------------------------------------------
# Queue and log.

# pf_queue_count: messages in the instance's queue (incoming, active,
# deferred, hold, maildrop), counted as files so it works stopped or not.
pf_queue_count() {
    find "$PF_QUEUE/incoming" "$PF_QUEUE/active" "$PF_QUEUE/deferred" \
        "$PF_QUEUE/hold" "$PF_QUEUE/maildrop" -type f 2>/dev/null | wc -l | tr -d ' '
}

pf_queue_empty() {
    [ "$(pf_queue_count)" = 0 ]
}

pf_wait_queue_empty() {
    _pf_poll "${1:-$PF_TIMEOUT}" pf_queue_empty
}

# pf_postqueue ARGS...: postqueue -c DIR ARGS (e.g. -p, -f; Postfix running).
pf_postqueue() {
    postqueue -c "$PF_CONF" "$@"
}

# pf_log: the instance's maillog.  Lines arrive a little after the fact
# (through postlogd): wait with pf_wait_log.
pf_log() {
    cat "$PF_MAILLOG"
}

_pf_log_has() {
    grep -Eq -- "$1" "$PF_MAILLOG"
}

# pf_wait_log ERE [SECONDS]: waits for a maillog line matching ERE.
pf_wait_log() {
    _pf_poll "${2:-$PF_TIMEOUT}" _pf_log_has "$1"
}

# ---------------------------------------------------------------------------
# Several instances in one script (the two-node test): each is a "node".
#   pf_node_save NAME   keeps the current instance's variables under NAME
#                       (the EXIT trap then cleans NAME up too);
#   pf_node_clear       forgets the current ones, so that pf_setup makes a
#                       new instance (save the current one first);
#   pf_node_use NAME    makes NAME's variables the current ones (save the
#                       current one first if it changed: pf_node_save).
# Every pf_* function works on the current instance.

_PF_NODE_VARS="PF_DIR PF_CONF PF_QUEUE PF_DATA PF_MAILLOG PF_SINK_DIR
    PF_PM_DIR PF_PM_SPOOL PF_PM_KEYS PF_MILTER_LOG PF_PORT_MX PF_PORT_MASKING
    PF_PORT_SINK PF_PORT_MILTER PF_MILTER_SOCK PF_MILTER_LISTEN
    PF_MILTER_SPEC PF_MILTER_TRANSPORT PF_MILTER PF_VERIFIERS PF_STARTED
    PF_SWAKS_N PF_SWAKS_LOG PF_SWAKS_RC PF_MILTER_PID PF_MILTER_JOB
    PF_MILTER_STATUS PF_SINK_PID PF_SINK_JOB"
PF_NODES=

_pf_node_name_ok() {
    case $1 in
        '' | *[!A-Za-z0-9_]*) _pf_die "pf_node: bad node name '$1'" ;;
    esac
}

pf_node_save() {
    _pf_node_name_ok "$1"
    for _pf_v in $_PF_NODE_VARS; do
        eval "_pf_node_${1}_$_pf_v=\${$_pf_v:-}"
    done
    case " $PF_NODES " in
        *" $1 "*) ;;
        *) PF_NODES="$PF_NODES $1" ;;
    esac
}

pf_node_use() {
    _pf_node_name_ok "$1"
    case " $PF_NODES " in
        *" $1 "*) ;;
        *) _pf_die "pf_node_use: no node $1 (pf_node_save it first)" ;;
    esac
    for _pf_v in $_PF_NODE_VARS; do
        eval "$_pf_v=\${_pf_node_${1}_$_pf_v:-}"
    done
}

# ---------------------------------------------------------------------------
# Cleanup.

# pf_cleanup: stops the milter, Postfix and the sink.  Idempotent; the EXIT
# trap calls it.
pf_cleanup() {
    [ -n "$PF_DIR" ] || return 0
    # A quick SIGTERM for the milter: a test that cares about its exit
    # stops it itself with pf_milter_stop.
    _pf_milter_reap
    pf_postfix_stop
    pf_sink_stop
    [ "$PF_VERIFIERS" != yes ] || vf_stop      # dnsmasq, OpenDKIM, OpenDMARC
    # Anything else of this instance (belt and braces: by pidfile).
    _pf_reap_dir "$PF_DIR" "still running after pf_cleanup"
    return 0
}

_pf_diagnose() {
    [ -z "$PF_QUIET" ] || return 0
    {
        echo "harness: instance kept in $PF_DIR"
        echo "--- maillog (last 40 lines)"
        tail -40 "$PF_MAILLOG" 2>/dev/null
        if [ -s "$PF_MILTER_LOG" ]; then
            echo "--- milter log (last 20 lines)"
            tail -20 "$PF_MILTER_LOG"
        fi
        if [ -s "$PF_DIR/sink.log" ]; then
            echo "--- sink log"
            tail -10 "$PF_DIR/sink.log"
        fi
        echo "---"
    } >&2
}

_pf_on_exit() {
    _pf_status=$?
    trap - EXIT
    trap '' HUP INT TERM        # let the (bounded) cleanup finish
    PF_EXIT_STATUS=$_pf_status
    if [ -n "${PF_ON_EXIT:-}" ]; then
        eval "$PF_ON_EXIT" || :
    fi
    if [ -n "$PF_NODES" ]; then
        # The current instance may be one of them, saved before it changed.
        [ -z "$PF_DIR" ] || _pf_finish_instance
        for _pf_n in $PF_NODES; do
            pf_node_use "$_pf_n"
            [ -d "$PF_DIR" ] || continue        # done above, as the current
            _pf_finish_instance
        done
    else
        _pf_finish_instance
    fi
    exit "$_pf_status"
}

# Cleans up the current instance at exit: stops it, then removes its
# directory (kept, with diagnostics, when the test failed).
_pf_finish_instance() {
    pf_cleanup
    if [ -n "$PF_DIR" ] && [ -d "$PF_DIR" ]; then
        rm -f "$PF_DIR/owner"
        if [ "$_pf_status" = 0 ] && [ -z "$PF_KEEP" ]; then
            rm -rf "$PF_DIR"
        else
            _pf_diagnose
        fi
    fi
    PF_DIR=
}
