# SPDX-License-Identifier: Apache-2.0
# tests/postfix/verifiers.sh - the recommended MX verifier stack (OpenDKIM,
# OpenDMARC, SPF) in front of postmask-milter, for the Postfix harness.
#
# Contract: sourced by a shell test after tests/lib.sh and
# tests/postfix/harness.sh.  The test calls vf_unshare "$@" first (it
# re-executes the script in a private mount + network namespace), then sets
# PF_VERIFIERS=yes before pf_setup.  pf_setup (via vf_setup) writes the
# verifiers' configuration and per-run DKIM keys, pf_start (via vf_start)
# bind-mounts a resolv.conf naming our dnsmasq over /etc/resolv.conf
# (inside the namespace only: the host's file is never touched) and starts
# dnsmasq, OpenDKIM (verifier and two signers) and OpenDMARC; the
# harness's EXIT trap (pf_cleanup -> vf_stop) stops them, and pf_reap_stale
# reaps them after a SIGKILL (pidfiles $PF_DIR/vf-*.pid).  Owned by the
# tests; the first block below is the recommendation for admins.
#
# POSIX sh (dash), safe under "set -eu".  Runs as root.
#
# ===========================================================================
# The recommended MX stack (for the README)
# ===========================================================================
#
# postmask trusts only Authentication-Results (A-R) headers whose authserv-id
# is in trusted_authserv_ids.  The MX must therefore (1) remove every A-R
# header naming that authserv-id that arrives from outside, BEFORE any
# verifier or postmask sees the message, and (2) add its own.
#
# What Postfix 3.7 and Debian 12's verifiers do (verifiers_selftest.sh
# checks each point):
#  - cleanup's header_checks run while the message arrives, before the
#    smtpd_milters see its headers: with OpenDMARC taking SPF results from
#    A-R headers, a forged "A-R: <our id>; spf=pass" made eve's mail
#    dmarc=pass without the rule and dmarc=fail with it.  Headers that the
#    milters add are not subject to header_checks.  So one IGNORE rule
#    hides forged A-R from OpenDKIM, OpenDMARC and postmask alike.
#  - A header PREPENDed by an smtpd policy service (policyd-spf with
#    "Header_Type = AR") goes to cleanup inside the message content, so the
#    same rule removes it too: policyd-spf's A-R can't be kept, and there
#    is no rule that tells it from a forged one.  (Received-SPF has the
#    same problem and no authserv-id at all.)  Hence SPF is checked by
#    OpenDMARC itself (SPFSelfValidate + SPFIgnoreResults, libspf2), which
#    records it in an A-R of its own: "spf=pass smtp.mailfrom=DOMAIN".
#    policyd-spf stays optional, to reject SPF "fail" at RCPT time, with
#    "Header_Type = None".
#  - libspf2 passes every loopback client ("localhost is always allowed"):
#    never run OpenDMARC on a listener that takes mail re-injected from
#    127.0.0.1 (e.g. after a content filter).
#  - OpenDKIM (Debian: libunbound) does not read /etc/resolv.conf; it
#    resolves on its own (or via its Nameservers option).  OpenDMARC and
#    policyd-spf use /etc/resolv.conf.
#  - OpenDKIM by default also deletes incoming A-R of its own authserv-id
#    that carry a dkim result, but not dmarc= or spf= ones: not enough.
#
# /etc/postfix/main.cf:
#   # Remove A-R headers that name our authserv-id (before the milters).
#   header_checks = regexp:/etc/postfix/postmask_header_checks
#   # OpenDKIM (verify), OpenDMARC, then postmask, in this order: each
#   # milter sees the headers the earlier ones added.
#   smtpd_milters = inet:127.0.0.1:8891, inet:127.0.0.1:8893,
#       unix:postmask/milter.sock
#   milter_default_action = tempfail
#
# /etc/postfix/postmask_header_checks: any A-R header that mentions the
# authserv-id anywhere (comments may come before it; losing a foreign A-R
# that names us costs nothing; matching is case-insensitive):
#   /^Authentication-Results[[:space:]]*:.*mx\.example\.org/ IGNORE
#
# /etc/opendkim.conf (verify only):
#   Mode                v
#   Socket              inet:8891@127.0.0.1
#   AuthservID          mx.example.org
#   AlwaysAddARHeader   yes
#   # Default 127.0.0.1: mail from "internal" hosts is not verified.
#   InternalHosts       /etc/opendkim/internal-hosts   # hosts that submit
#
# /etc/opendmarc.conf:
#   Socket              inet:8893@127.0.0.1
#   AuthservID          mx.example.org
#   TrustedAuthservIDs  mx.example.org
#   SPFSelfValidate     true
#   SPFIgnoreResults    true
#   PublicSuffixList    /usr/share/publicsuffix/public_suffix_list.dat
#   IgnoreHosts         /etc/opendmarc/ignore.hosts   # default 127.0.0.1
#   RejectFailures      false        # postmask decides (hold, not reject)
#
# Optional, SPF "fail" rejected at RCPT: /etc/postfix/master.cf
#   policyd-spf unix - n n - 0 spawn
#     user=policyd-spf argv=/usr/bin/policyd-spf
# main.cf
#   smtpd_recipient_restrictions = ..., reject_unauth_destination,
#       check_policy_service unix:private/policyd-spf
#   policyd-spf_time_limit = 3600
# /etc/postfix-policyd-spf-python/policyd-spf.conf
#   Header_Type = None
#   Mail_From_reject = Fail
#
# postmask main.cf:
#   trusted_authserv_ids = mx.example.org
#
# The A-R lines this produces (as seen in the tests, authserv-id
# mx.postmask.test; OpenDKIM folds its line):
#   Authentication-Results: mx.postmask.test; dmarc=pass (p=reject dis=none) header.from=building.example
#   Authentication-Results: mx.postmask.test; spf=pass smtp.mailfrom=building.example
#   Authentication-Results: mx.postmask.test;
#   	dkim=pass (2048-bit key; unprotected) header.d=building.example header.i=@building.example header.a=rsa-sha256 header.s=pm header.b=H6u4o1bK;
#   	dkim-atps=neutral
#
# ===========================================================================
# The test network
# ===========================================================================
#
# Own network namespace: lo with 127.0.0.1/8, $VF_CONTACT_IP (192.0.2.10)
# and $VF_EVE_IP (192.0.2.66).  DNS: dnsmasq on $VF_DNS_ADDR:53 (127.53.x.y),
# answers only for *.example (NXDOMAIN for other names there), no upstream:
#   building.example  SPF "v=spf1 ip4:192.0.2.10 -all", DMARC p=reject,
#                     DKIM pm._domainkey (2048-bit key made per run)
#   nodmarc.example   SPF as building.example, DKIM, NO DMARC record
#   spfonly.example   SPF as building.example, DMARC p=reject, no DKIM key
#   evil.example      SPF "v=spf1 ip4:192.0.2.66 -all", DMARC p=none, DKIM
#
# Postfix (the harness's instance; PF_VERIFIERS=yes adds):
#   swaks ─> $PF_PORT_CONTACT "contact" smtpd, OpenDKIM signer (building,
#            nodmarc) ─> content_filter vf-contact, smtp from 192.0.2.10 ─┐
#   swaks ─> $PF_PORT_EVE "eve" smtpd, OpenDKIM signer (everything as     │
#            d=evil.example) ─> content_filter vf-eve, from 192.0.2.66 ───┤
#   swaks ─> $PF_PORT_MX "mx" smtpd (XCLIENT: any client IP) <───────────┘
#            cleanup header_checks: IGNORE A-R naming $VF_AUTHSERV_ID
#            milters: OpenDKIM verifier, OpenDMARC, then $postmask_mx_milters
#            RCPT: policyd-spf (Header_Type = $VF_SPF_HEADER_TYPE, no reject)
# and postmask's trusted_authserv_ids = $VF_AUTHSERV_ID.
#
# Settings (before pf_setup): VF_AUTHSERV_ID (mx.postmask.test),
# VF_SPF_HEADER_TYPE (None; AR: policyd-spf prepends an A-R, which the
# header_checks rule then removes), VF_STRIP_FORGED (yes; no: no
# header_checks rule).
#
# Variables (exported by vf_setup): VF_AUTHSERV_ID, VF_DIR (keys, configs),
# VF_DNS_ADDR, VF_CONTACT_IP, VF_EVE_IP, VF_STRANGER_IP (192.0.2.99, named
# by no SPF record), VF_MILTERS (the verifier milters, in order),
# VF_PORT_DKIM, VF_PORT_DMARC, VF_PORT_SIGNER, VF_PORT_EVE_SIGNER,
# PF_PORT_CONTACT, PF_PORT_EVE, VF_LOG_DNS, VF_LOG_DKIM, VF_LOG_DMARC,
# VF_LOG_SIGNER, VF_LOG_EVE_SIGNER (the daemons' stderr; they have no
# syslog here, so mostly empty).
#
# Functions: vf_unshare "$@"; vf_send_signed FROM ENVFROM RCPT FILE
# [contact|eve]; vf_send_direct FROM ENVFROM RCPT FILE [CLIENT_IP];
# vf_message FROM RCPT FILE; vf_ar_lines FILE; vf_dig NAME [TYPE];
# vf_dmarc_spf self|headers; vf_require; vf_setup, vf_start, vf_stop,
# vf_listeners_moved (called by the harness).

: "${VF_AUTHSERV_ID:=mx.postmask.test}"
: "${VF_SPF_HEADER_TYPE:=None}"
: "${VF_STRIP_FORGED:=yes}"
VF_CONTACT_IP=192.0.2.10       # TEST-NET-1, on lo of the test's own
VF_EVE_IP=192.0.2.66           # network namespace (see vf_unshare)
VF_STRANGER_IP=192.0.2.99      # vf_send_direct's default client
VF_NOBODY_IP=198.51.100.254    # "no host" for the verifiers' host lists
VF_DIR=
VF_DIR_OWN=
VF_PUBLIC_SUFFIX_LIST=/usr/share/publicsuffix/public_suffix_list.dat

# vf_require: exits 77 unless the verifiers and unshare are installed.
vf_require() {
    case :$PATH: in
        *:/usr/sbin:*) ;;
        *) PATH=$PATH:/usr/sbin:/sbin ;;
    esac
    for _vf_prog in dnsmasq opendkim opendkim-genkey opendmarc unshare mount \
        mountpoint openssl ip; do
        command -v "$_vf_prog" >/dev/null 2>&1 || _pf_skip "$_vf_prog is not installed"
    done
    [ -x /usr/bin/policyd-spf ] || _pf_skip "postfix-policyd-spf-python is not installed"
    [ -r "$VF_PUBLIC_SUFFIX_LIST" ] || _pf_skip "publicsuffix is not installed"
}

# vf_unshare "$@": unless already there, re-executes the test script in a
# private mount and network namespace (unshare -m -n --propagation
# private).  The mount namespace lets vf_start bind-mount its resolv.conf
# over /etc/resolv.conf without touching the host's.  The network
# namespace has only lo, with 127.0.0.1/8 plus $VF_CONTACT_IP and
# $VF_EVE_IP, so the sending servers can relay from addresses that are
# not loopback: libspf2 (OpenDMARC's SPF check) passes every loopback
# client ("localhost is always allowed"), whatever the SPF record says.
# Call it before pf_setup, with the script's arguments.  Skips (77) where
# it cannot run.
vf_unshare() {
    if [ -n "${VF_MNTNS:-}" ] && [ "$VF_MNTNS" = "$(readlink /proc/self/ns/mnt)" ]; then
        return 0
    fi
    pf_require
    vf_require
    if [ -n "${VF_UNSHARED:-}" ]; then
        # Re-executed: check that the namespaces are our own, set up lo.
        [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] \
            || _pf_die "vf_unshare: still in the host's mount namespace"
        [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] \
            || _pf_die "vf_unshare: still in the host's network namespace"
        ip link set lo up || _pf_die "vf_unshare: ip link set lo up failed"
        for _vf_a in "$VF_CONTACT_IP" "$VF_EVE_IP"; do
            ip addr add "$_vf_a/32" dev lo || _pf_die "vf_unshare: ip addr add $_vf_a failed"
        done
        VF_MNTNS=$(readlink /proc/self/ns/mnt)
        export VF_MNTNS
        return 0
    fi
    unshare -m -n --propagation private true 2>/dev/null \
        || _pf_skip "unshare -m -n does not work here"
    # lib.sh made an empty work directory that the new run makes again.
    rmdir "$T_WORK" 2>/dev/null || :
    VF_UNSHARED=1
    export VF_UNSHARED
    exec unshare -m -n --propagation private /bin/sh "$0" "$@"
}

# _vf_safe_dir DIR: no ancestor of DIR is world-writable (OpenDKIM refuses
# its configuration and keys below one, sticky bit or not).
_vf_safe_dir() {
    _vf_d=$1
    while [ -n "$_vf_d" ] && [ "$_vf_d" != / ]; do
        _vf_d=${_vf_d%/*}
        [ -n "$_vf_d" ] || _vf_d=/
        case $(stat -c %A "$_vf_d" 2>/dev/null) in
            ????????w?) return 1 ;;
            '') return 1 ;;
        esac
    done
    return 0
}

# _vf_addr_free ADDR: ADDR:53 can be bound for UDP and TCP.
_vf_addr_free() {
    perl -MSocket -e '
        for my $t (SOCK_DGRAM, SOCK_STREAM) {
            socket(my $s, PF_INET, $t, 0) or exit 1;
            setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
            bind($s, pack_sockaddr_in(53, inet_aton($ARGV[0]))) or exit 1;
        }
        exit 0;' "$1" 2>/dev/null
}

# _vf_pick_dns_addr: a loopback address in 127.53.0.0/16 whose port 53 is
# free, derived from our PID so that parallel tests pick different ones.
_vf_pick_dns_addr() {
    _vf_n=$(( $$ % 64000 ))
    _vf_i=0
    while [ "$_vf_i" -lt 50 ]; do
        _vf_a=127.53.$(( (_vf_n / 250) % 250 + 1 )).$(( _vf_n % 250 + 1 ))
        if _vf_addr_free "$_vf_a"; then
            echo "$_vf_a"
            return 0
        fi
        _vf_n=$(( (_vf_n + 7919) % 64000 ))
        _vf_i=$((_vf_i + 1))
    done
    return 1
}

# _vf_dkim_txt DOMAIN: makes a 2048-bit key for selector "pm" of DOMAIN in
# $VF_DIR/keys/DOMAIN/ and prints the TXT record's strings as dnsmasq wants
# them ("..","..", at most 255 bytes each).
_vf_dkim_txt() {
    mkdir -p "$VF_DIR/keys/$1"
    opendkim-genkey -b 2048 -h sha256 -d "$1" -s pm -D "$VF_DIR/keys/$1" \
        || _pf_die "opendkim-genkey for $1 failed"
    _vf_p=$(openssl rsa -in "$VF_DIR/keys/$1/pm.private" -pubout -outform DER \
        2>/dev/null | base64 -w0) || _pf_die "openssl rsa failed"
    [ -n "$_vf_p" ] || _pf_die "no public key for $1"
    printf '"v=DKIM1; h=sha256; k=rsa; "'
    _vf_p=p=$_vf_p
    while [ -n "$_vf_p" ]; do
        printf ',"%s"' "$(printf %s "$_vf_p" | cut -c1-250)"
        _vf_p=$(printf %s "$_vf_p" | cut -c251-)
    done
    printf '\n'
}

_vf_write_dns() {
    _vf_spf_local="\"v=spf1 ip4:$VF_CONTACT_IP -all\""
    {
        echo "# dnsmasq for $T_NAME: the test domains, nothing else."
        echo "no-resolv"
        echo "no-hosts"
        echo "no-poll"
        echo "bind-interfaces"
        echo "listen-address=$VF_DNS_ADDR"
        echo "port=53"
        echo "local=/example/"
        echo "user=nobody"
        echo "log-queries"
        echo "log-facility=-"
        echo "txt-record=building.example,$_vf_spf_local"
        echo "txt-record=_dmarc.building.example,\"v=DMARC1; p=reject\""
        echo "txt-record=pm._domainkey.building.example,$(_vf_dkim_txt building.example)"
        echo "txt-record=nodmarc.example,$_vf_spf_local"
        echo "txt-record=pm._domainkey.nodmarc.example,$(_vf_dkim_txt nodmarc.example)"
        echo "txt-record=spfonly.example,$_vf_spf_local"
        echo "txt-record=_dmarc.spfonly.example,\"v=DMARC1; p=reject\""
        echo "txt-record=evil.example,\"v=spf1 ip4:$VF_EVE_IP -all\""
        echo "txt-record=_dmarc.evil.example,\"v=DMARC1; p=none\""
        echo "txt-record=pm._domainkey.evil.example,$(_vf_dkim_txt evil.example)"
    } >"$VF_DIR/dnsmasq.conf"
    echo "nameserver $VF_DNS_ADDR" >"$VF_DIR/resolv.conf"
    chmod 0644 "$VF_DIR/resolv.conf"
}

_vf_write_opendkim() {
    # Nobody is "internal" to the verifier: the default (127.0.0.1) would
    # exempt loopback clients, i.e. all of our test mail, from verification.
    echo "$VF_NOBODY_IP" >"$VF_DIR/no-hosts"
    cat >"$VF_DIR/opendkim-verify.conf" <<EOF
# OpenDKIM, verify only, on the MX (tests/postfix/verifiers.sh).
Mode                    v
Socket                  inet:$VF_PORT_DKIM@127.0.0.1
AuthservID              $VF_AUTHSERV_ID
AlwaysAddARHeader       yes
InternalHosts           $VF_DIR/no-hosts
Syslog                  yes
SyslogSuccess           yes
LogWhy                  yes
# Debian's OpenDKIM resolves with libunbound, which does not read
# /etc/resolv.conf: without this it would recurse from the root servers.
Nameservers             $VF_DNS_ADDR
EOF
    cat >"$VF_DIR/keytable" <<EOF
building.example building.example:pm:$VF_DIR/keys/building.example/pm.private
nodmarc.example nodmarc.example:pm:$VF_DIR/keys/nodmarc.example/pm.private
EOF
    cat >"$VF_DIR/signingtable" <<EOF
*@building.example building.example
*@nodmarc.example nodmarc.example
EOF
    # Eve signs everything, whatever its From, with her own domain's key.
    echo "evil.example evil.example:pm:$VF_DIR/keys/evil.example/pm.private" \
        >"$VF_DIR/keytable-eve"
    echo "* evil.example" >"$VF_DIR/signingtable-eve"
    echo 127.0.0.0/8 >"$VF_DIR/signer-hosts"
    for _vf_who in contact eve; do
        _vf_sfx=
        _vf_port=$VF_PORT_SIGNER
        if [ $_vf_who = eve ]; then
            _vf_sfx=-eve
            _vf_port=$VF_PORT_EVE_SIGNER
        fi
        cat >"$VF_DIR/opendkim-sign$_vf_sfx.conf" <<EOF
# OpenDKIM signing on the $_vf_who's server (never on the MX listener).
Mode                    s
Socket                  inet:$_vf_port@127.0.0.1
Canonicalization        relaxed/relaxed
KeyTable                file:$VF_DIR/keytable$_vf_sfx
SigningTable            refile:$VF_DIR/signingtable$_vf_sfx
InternalHosts           $VF_DIR/signer-hosts
Syslog                  yes
EOF
    done
}

_vf_write_opendmarc() {
    cat >"$VF_DIR/opendmarc.conf" <<EOF
# OpenDMARC on the MX (tests/postfix/verifiers.sh).
Socket                  inet:$VF_PORT_DMARC@127.0.0.1
AuthservID              $VF_AUTHSERV_ID
TrustedAuthservIDs      $VF_AUTHSERV_ID
SPFSelfValidate         true
SPFIgnoreResults        true
PublicSuffixList        $VF_PUBLIC_SUFFIX_LIST
IgnoreHosts             $VF_DIR/no-hosts
RejectFailures          false
RequiredHeaders         false
FailureReports          false
Syslog                  true
EOF
}

_vf_write_policyd_spf() {
    cat >"$VF_DIR/policyd-spf.conf" <<EOF
# postfix-policyd-spf-python on the MX (tests/postfix/verifiers.sh).
debugLevel = 1
TestOnly = 1
HELO_reject = False
Mail_From_reject = False
PermError_reject = False
TempError_Defer = False
skip_addresses = $VF_NOBODY_IP/32
Header_Type = $VF_SPF_HEADER_TYPE
Authserv_Id = $VF_AUTHSERV_ID
EOF
    chmod 0644 "$VF_DIR/policyd-spf.conf"
}

# _vf_ar_regexp: the header_checks pattern for an A-R of our authserv-id.
_vf_ar_regexp() {
    _vf_id=$(printf %s "$VF_AUTHSERV_ID" | sed 's/[.]/\\./g')
    echo "/^Authentication-Results[[:space:]]*:.*$_vf_id/ IGNORE"
}

# vf_setup: called by pf_setup when PF_VERIFIERS=yes (after the instance's
# configuration is written).  Keys, configuration files, ports, and the
# Postfix configuration of the MX stack and the two sending servers.
vf_setup() {
    vf_require
    if [ -z "${VF_MNTNS:-}" ] || [ "$VF_MNTNS" != "$(readlink /proc/self/ns/mnt)" ]; then
        _pf_die "PF_VERIFIERS=yes needs a private mount namespace: call vf_unshare \"\$@\" before pf_setup"
    fi
    if _vf_safe_dir "$PF_DIR/vf"; then
        VF_DIR=$PF_DIR/vf
        mkdir "$VF_DIR"
    else
        # $PF_DIR is below a world-writable directory (the harness's /tmp
        # fallback); OpenDKIM would refuse it.
        mkdir -p /run/postmask-tests
        chmod 0711 /run/postmask-tests
        VF_DIR=$(mktemp -d /run/postmask-tests/vf.XXXXXX)
        VF_DIR_OWN=yes
        echo "$VF_DIR" >"$PF_DIR/vf.dir"
    fi
    chmod 0755 "$VF_DIR"
    VF_DNS_ADDR=$(_vf_pick_dns_addr) || _pf_die "no free 127.53.x.y:53"
    _vf_ports=$(_pf_free_ports 6) || _pf_die "no free ports"
    # shellcheck disable=SC2086
    set -- $_vf_ports
    VF_PORT_DKIM=$1
    VF_PORT_DMARC=$2
    VF_PORT_SIGNER=$3
    PF_PORT_CONTACT=$4
    PF_PORT_EVE=$5
    VF_PORT_EVE_SIGNER=$6
    VF_LOG_DNS=$PF_DIR/vf-dnsmasq.log
    VF_LOG_DKIM=$PF_DIR/vf-opendkim.log
    VF_LOG_DMARC=$PF_DIR/vf-opendmarc.log
    VF_LOG_SIGNER=$PF_DIR/vf-signer.log
    VF_LOG_EVE_SIGNER=$PF_DIR/vf-evesigner.log
    VF_MILTERS="inet:127.0.0.1:$VF_PORT_DKIM,inet:127.0.0.1:$VF_PORT_DMARC"

    _vf_write_dns
    _vf_write_opendkim
    _vf_write_opendmarc
    _vf_write_policyd_spf
    _vf_rules=
    if [ "$VF_STRIP_FORGED" = yes ]; then
        _vf_ar_regexp >"$VF_DIR/header_checks"
        _vf_rules="regexp:$VF_DIR/header_checks"
    fi

    # The MX: verifiers first, then whatever postmask_mx_milters holds
    # (pf_milter_attach/detach keep working); SPF policy at RCPT.
    pf_postconf -e \
        "postmask_vf_milters = $VF_MILTERS" \
        "postmask_vf_mx_nexthop = [127.0.0.1]:$PF_PORT_MX" \
        "header_checks = $_vf_rules" \
        "policyd-spf_time_limit = 3600"
    pf_postconf -P \
        "127.0.0.1:$PF_PORT_MX/inet/smtpd_milters=\$postmask_vf_milters,\$postmask_mx_milters" \
        "127.0.0.1:$PF_PORT_MX/inet/smtpd_recipient_restrictions=check_policy_service,unix:private/policyd-spf"
    pf_postconf -M \
        "policyd-spf/unix=policyd-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf $VF_DIR/policyd-spf.conf" \
        "vf-contact/unix=vf-contact unix - - n - - smtp -o syslog_name=postfix/contact-out -o smtp_bind_address=$VF_CONTACT_IP -o smtp_helo_name=mail.building.example" \
        "vf-eve/unix=vf-eve unix - - n - - smtp -o syslog_name=postfix/eve-out -o smtp_bind_address=$VF_EVE_IP -o smtp_helo_name=mail.evil.example" \
        "127.0.0.1:$PF_PORT_CONTACT/inet=127.0.0.1:$PF_PORT_CONTACT inet n - n - - smtpd -o syslog_name=postfix/contact -o smtpd_milters=inet:127.0.0.1:$VF_PORT_SIGNER -o content_filter=vf-contact:\$postmask_vf_mx_nexthop" \
        "127.0.0.1:$PF_PORT_EVE/inet=127.0.0.1:$PF_PORT_EVE inet n - n - - smtpd -o syslog_name=postfix/eve -o smtpd_milters=inet:127.0.0.1:$VF_PORT_EVE_SIGNER -o content_filter=vf-eve:\$postmask_vf_mx_nexthop"
    # postmask trusts the A-R headers of this MX.
    pf_pmconf -e "trusted_authserv_ids = $VF_AUTHSERV_ID"
    export VF_AUTHSERV_ID VF_DIR VF_DNS_ADDR VF_CONTACT_IP VF_EVE_IP \
        VF_STRANGER_IP \
        VF_PORT_DKIM VF_PORT_DMARC VF_PORT_SIGNER VF_PORT_EVE_SIGNER VF_MILTERS \
        PF_PORT_CONTACT PF_PORT_EVE VF_LOG_DNS VF_LOG_DKIM VF_LOG_DMARC \
        VF_LOG_SIGNER VF_LOG_EVE_SIGNER
}

# vf_share: a second instance in the same script (pf_node_*, set up with
# PF_VERIFIERS=no) gets the same MX stack as the first: its MX listener
# uses the verifiers vf_setup made for the first (OpenDKIM, OpenDMARC,
# the same DNS), the same header_checks, and its postmask trusts the same
# authserv-id.  It has no sending servers of its own: the contact's mail
# reaches it with contact_swaks (XCLIENT from $VF_CONTACT_IP).  Call after
# pf_setup, before pf_start.
vf_share() {
    [ -n "${VF_MILTERS:-}" ] || _pf_die "vf_share: no verifiers (vf_setup first)"
    _vf_rules=
    if [ "$VF_STRIP_FORGED" = yes ]; then
        _vf_rules="regexp:$VF_DIR/header_checks"
    fi
    pf_postconf -e \
        "postmask_vf_milters = $VF_MILTERS" \
        "header_checks = $_vf_rules"
    pf_postconf -P \
        "127.0.0.1:$PF_PORT_MX/inet/smtpd_milters=\$postmask_vf_milters,\$postmask_mx_milters"
    pf_pmconf -e "trusted_authserv_ids = $VF_AUTHSERV_ID"
}

# vf_listeners_moved: the harness moved the MX listener (port taken).
vf_listeners_moved() {
    pf_postconf -e "postmask_vf_mx_nexthop = [127.0.0.1]:$PF_PORT_MX"
}

# _vf_spawn NAME LOG CMD...: starts a daemon in the foreground in its own
# process group, pidfile $PF_DIR/vf-NAME.pid (the harness reaps these).
_vf_spawn() {
    _vf_name=$1
    _vf_log=$2
    shift 2
    _pf_spawn "$PF_DIR/vf-$_vf_name.pid" 022 "$@" >>"$_vf_log" 2>&1
}

_vf_pid() {
    _vf_pp=
    [ -s "$PF_DIR/vf-$1.pid" ] && read -r _vf_pp <"$PF_DIR/vf-$1.pid"
    echo "$_vf_pp"
}

_vf_dns_up() {
    _pf_alive "$(_vf_pid dnsmasq)" || return 0     # the caller looks why
    vf_dig building.example TXT | grep -q spf1
}

# vf_dig NAME [TYPE]: asks our dnsmasq (perl, no dig needed); prints the
# answer's strings, one record a line.
vf_dig() {
    perl -MSocket -e '
        my ($name, $type, $server) = @ARGV;
        my %t = (A => 1, TXT => 16, MX => 15);
        my $q = pack("n6", $$ & 0xffff, 0x0100, 1, 0, 0, 0);
        $q .= pack("C/a*", $_) for split /\./, $name;
        $q .= pack("Cnn", 0, $t{$type}, 1);
        socket(my $s, PF_INET, SOCK_DGRAM, 0) or exit 1;
        send($s, $q, 0, pack_sockaddr_in(53, inet_aton($server))) or exit 1;
        my $rin = ""; vec($rin, fileno($s), 1) = 1;
        select($rin, undef, undef, 2) or exit 1;
        recv($s, my $r, 4096, 0);
        my ($id, $fl, $qd, $an) = unpack("n4", $r);
        exit 2 if ($fl & 15) != 0;
        my $o = 12;
        my $skip = sub { while (1) { my $l = ord substr($r, $o, 1);
            if ($l >= 192) { $o += 2; last } $o++; last if !$l; $o += $l } };
        for (1 .. $qd) { $skip->(); $o += 4 }
        for (1 .. $an) {
            $skip->();
            my ($ty, $cl, $ttl, $len) = unpack("nnNn", substr($r, $o, 10));
            $o += 10;
            my $rd = substr($r, $o, $len); $o += $len;
            if ($ty == 16) { my @s; my $p = 0;
                while ($p < $len) { my $l = ord substr($rd, $p, 1);
                    push @s, substr($rd, $p + 1, $l); $p += 1 + $l }
                print join("", @s), "\n" }
            elsif ($ty == 1) { print inet_ntoa($rd), "\n" }
        }' "$1" "${2:-TXT}" "$VF_DNS_ADDR"
}

# vf_start: dnsmasq, the resolv.conf bind mount, OpenDKIM (verifier and
# signer), OpenDMARC; waits until each answers.  The harness calls it in
# pf_start before Postfix starts.
vf_start() {
    if ! mountpoint -q /etc/resolv.conf 2>/dev/null \
        || ! cmp -s /etc/resolv.conf "$VF_DIR/resolv.conf"; then
        mount --bind "$VF_DIR/resolv.conf" /etc/resolv.conf \
            || _pf_die "cannot bind-mount resolv.conf"
    fi
    if ! _pf_alive "$(_vf_pid dnsmasq)"; then
        _vf_spawn dnsmasq "$VF_LOG_DNS" dnsmasq -k -C "$VF_DIR/dnsmasq.conf" --pid-file=
        _pf_poll 10 _vf_dns_up || :
        if ! _pf_alive "$(_vf_pid dnsmasq)" || ! _vf_dns_up; then
            _pf_die "dnsmasq did not start: $(cat "$VF_LOG_DNS")"
        fi
    fi
    _vf_milter_start opendkim "$VF_LOG_DKIM" "$VF_PORT_DKIM" \
        opendkim -f -x "$VF_DIR/opendkim-verify.conf"
    _vf_milter_start signer "$VF_LOG_SIGNER" "$VF_PORT_SIGNER" \
        opendkim -f -x "$VF_DIR/opendkim-sign.conf"
    _vf_milter_start evesigner "$VF_LOG_EVE_SIGNER" "$VF_PORT_EVE_SIGNER" \
        opendkim -f -x "$VF_DIR/opendkim-sign-eve.conf"
    _vf_milter_start opendmarc "$VF_LOG_DMARC" "$VF_PORT_DMARC" \
        opendmarc -f -c "$VF_DIR/opendmarc.conf"
}

_vf_up() {
    _pf_alive "$(_vf_pid "$1")" || return 0     # the caller looks why
    _pf_listening "$2"
}

_vf_milter_start() {
    _vf_n=$1
    _vf_l=$2
    _vf_port=$3
    shift 3
    ! _pf_alive "$(_vf_pid "$_vf_n")" || return 0
    _vf_spawn "$_vf_n" "$_vf_l" "$@"
    _pf_poll "$PF_TIMEOUT" _vf_up "$_vf_n" "$_vf_port" || :
    if ! _pf_alive "$(_vf_pid "$_vf_n")" || ! _pf_listening "$_vf_port"; then
        _pf_die "$1 ($_vf_n) did not start: $(cat "$_vf_l")"
    fi
}

# vf_dmarc_spf self|headers: OpenDMARC checks SPF itself (self, the
# default and the recommendation) or takes SPF results from trusted A-R
# headers (headers: SPFSelfValidate and SPFIgnoreResults false; a control
# in the self-test).  Restarts OpenDMARC when it runs.
vf_dmarc_spf() {
    case $1 in
        self) _vf_b=true ;;
        headers) _vf_b=false ;;
        *) _pf_die "vf_dmarc_spf: self or headers" ;;
    esac
    sed -e "s/^SPFSelfValidate .*/SPFSelfValidate         $_vf_b/" \
        -e "s/^SPFIgnoreResults .*/SPFIgnoreResults        $_vf_b/" \
        "$VF_DIR/opendmarc.conf" >"$VF_DIR/opendmarc.conf.new"
    mv "$VF_DIR/opendmarc.conf.new" "$VF_DIR/opendmarc.conf"
    _vf_p=$(_vf_pid opendmarc)
    if [ -n "$_vf_p" ] && _pf_alive "$_vf_p"; then
        _pf_kill_group "$_vf_p" 1
        _pf_poll 10 _vf_port_free "$VF_PORT_DMARC" || :
        _vf_milter_start opendmarc "$VF_LOG_DMARC" "$VF_PORT_DMARC" \
            opendmarc -f -c "$VF_DIR/opendmarc.conf"
    fi
}

_vf_port_free() {
    ! _pf_listening "$1"
}

# vf_stop: stops dnsmasq and the milters (the EXIT trap calls it through
# pf_cleanup).  libmilter takes seconds to exit after SIGTERM: the group
# gets a short grace, then SIGKILL.
vf_stop() {
    for _vf_n in opendmarc opendkim signer evesigner dnsmasq; do
        _vf_p=$(_vf_pid "$_vf_n")
        if [ -n "$_vf_p" ]; then
            _pf_kill_group "$_vf_p" 1
        fi
        rm -f "$PF_DIR/vf-$_vf_n.pid"
    done
    # Our bind mount (only ever inside our own mount namespace).
    if [ -n "${VF_MNTNS:-}" ] && [ "$VF_MNTNS" = "$(readlink /proc/self/ns/mnt)" ] \
        && [ -n "$VF_DIR" ] && mountpoint -q /etc/resolv.conf 2>/dev/null \
        && cmp -s /etc/resolv.conf "$VF_DIR/resolv.conf"; then
        umount /etc/resolv.conf 2>/dev/null || :
    fi
    if [ -n "$VF_DIR_OWN" ] && [ "${PF_EXIT_STATUS:-0}" = 0 ] && [ -z "$PF_KEEP" ]; then
        rm -rf "$VF_DIR"
    fi
    return 0
}

# vf_message FROM_ADDR RCPT FILE: prints the message to send.  FILE holds
# the body, optionally after header lines of its own and an empty line (a
# first line "Name: value" means it starts with headers); From, To, Date,
# Message-ID and Subject are added where FILE has none.
vf_message() {
    awk -v from="$1" -v rcpt="$2" -v date="$(date -R)" \
        -v mid="<$(date +%s).$$.$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')@vf.test>" '
        NR == 1 { hdr = ($0 ~ /^[!-9;-~]+:/) }
        hdr && /^$/ { hdr = 0; emit(); print; body = 1; next }
        hdr { if (tolower($0) ~ /^from:/) hf = 1
              if (tolower($0) ~ /^to:/) ht = 1
              if (tolower($0) ~ /^date:/) hd = 1
              if (tolower($0) ~ /^message-id:/) hm = 1
              if (tolower($0) ~ /^subject:/) hs = 1
              lines[++n] = $0; next }
        !body { emit(); print ""; body = 1 }
        { print }
        END { if (!body) { emit(); print "" } }
        function emit(  i) {
            if (!hf) print "From: " from
            if (!ht) print "To: <" rcpt ">"
            if (!hs) print "Subject: verifier test"
            if (!hd) print "Date: " date
            if (!hm) print "Message-ID: " mid
            for (i = 1; i <= n; i++) print lines[i]
        }' "$3"
}

# _vf_swaks PORT ENVELOPE_FROM RCPT FILE [SWAKS-ARGS]: like pf_swaks
# ($PF_SWAKS_LOG, $PF_SWAKS_RC), on any port, with FILE as the data.
_vf_swaks() {
    _vf_port=$1
    _vf_env=$2
    _vf_rcpt=$3
    _vf_data=$4
    shift 4
    PF_SWAKS_N=$((PF_SWAKS_N + 1))
    PF_SWAKS_LOG=$PF_DIR/swaks.$PF_SWAKS_N.log
    PF_SWAKS_RC=0
    swaks --server 127.0.0.1 --port "$_vf_port" --helo client.test.example \
        --timeout "$PF_SWAKS_TIMEOUT" --from "$_vf_env" --to "$_vf_rcpt" \
        --data "$_vf_data" "$@" </dev/null >"$PF_SWAKS_LOG" 2>&1 \
        || PF_SWAKS_RC=$?
    return 0
}

# vf_send_signed FROM_ADDR ENVELOPE_FROM RCPT FILE [contact|eve]: submits
# the message (see vf_message) to the contact's server (default), which
# DKIM-signs it for the From domain when it has that domain's key
# (building.example, nodmarc.example, evil.example; d= = the From domain)
# and relays it to the MX from $VF_CONTACT_IP; "eve" = eve's server, the
# same but from $VF_EVE_IP.  t_fail unless the server accepted it; the MX
# may still refuse it later (see the maillog).  Wait with
# pf_wait_delivered.
vf_send_signed() {
    _vf_port=$PF_PORT_CONTACT
    [ "${5:-contact}" != eve ] || _vf_port=$PF_PORT_EVE
    PF_SWAKS_N=$((PF_SWAKS_N + 1))
    _vf_msg=$PF_DIR/vf-msg.$PF_SWAKS_N
    vf_message "$1" "$3" "$4" >"$_vf_msg"
    _vf_swaks "$_vf_port" "$2" "$3" "$_vf_msg"
    [ "$PF_SWAKS_RC" = 0 ] \
        || _pf_die "vf_send_signed: swaks exited $PF_SWAKS_RC: $(cat "$PF_SWAKS_LOG")"
}

# vf_send_direct FROM_ADDR ENVELOPE_FROM RCPT FILE [CLIENT_IP]: the message
# straight to the MX listener, unsigned, as client CLIENT_IP (XCLIENT;
# default $VF_STRANGER_IP, whom no SPF record names; $VF_CONTACT_IP passes
# the SPF of building.example, nodmarc.example and spfonly.example,
# $VF_EVE_IP that of evil.example).  Not 127.x: libspf2 passes loopback.
# Sets $PF_SWAKS_RC/$PF_SWAKS_LOG and returns 0 (check them, or use
# pf_wait_delivered).
vf_send_direct() {
    PF_SWAKS_N=$((PF_SWAKS_N + 1))
    _vf_msg=$PF_DIR/vf-msg.$PF_SWAKS_N
    vf_message "$1" "$3" "$4" >"$_vf_msg"
    _vf_swaks "$PF_PORT_MX" "$2" "$3" "$_vf_msg" \
        --xclient-addr "${5:-$VF_STRANGER_IP}" --xclient-name "[UNAVAILABLE]"
    return 0
}

# vf_ar_lines FILE: the Authentication-Results headers of a delivered
# message (a sink dump or a message), unfolded, one a line.
vf_ar_lines() {
    awk '
        /^$/ { if (started) exit; next }
        /^[ \t]/ { if (cur != "") { sub(/^[ \t]+/, " "); cur = cur $0 } ; next }
        { started = 1; if (cur != "") print cur; cur = "" }
        tolower($0) ~ /^authentication-results:/ { cur = $0 }
        END { if (cur != "") print cur }
    ' "$1"
}
