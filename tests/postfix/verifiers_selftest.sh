#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# verifiers_selftest - proves tests/postfix/verifiers.sh, the real MX
# verifier stack (OpenDKIM verify, OpenDMARC with its own SPF check,
# policyd-spf) in front of postmask-milter, against dnsmasq on loopback.
# Mail goes to other.example (not a proxy domain) and the assertions are
# on the Authentication-Results (A-R) headers the sink receives:
#  1. signed by the contact's server (d=building.example, from 127.0.0.1):
#     dkim=pass header.d=building.example, spf=pass, dmarc=pass;
#  2. the same From, straight from eve's IP (127.0.0.66), with forged A-R
#     headers of our authserv-id (also folded, other case): dkim=none,
#     spf=fail, dmarc=fail, and the forged headers are gone while a
#     foreign authserv-id's A-R stays;
#  3. that From signed by eve's server (d=evil.example): dkim=pass for
#     evil.example only, dmarc=fail;
#  4. SPF only (spfonly.example): spf=pass smtp.mailfrom=spfonly.example,
#     dmarc=pass;  5. nodmarc.example, signed: dkim=pass, dmarc=none;
#  6. controls, showing why the design is what it is: with OpenDMARC
#     reading SPF results from A-R headers, a forged "spf=pass" does not
#     help eve while cleanup's header_checks rule is in place (so that rule
#     acts before the milters see the header), and does help her without
#     it (dmarc=pass, the forged header delivered); policyd-spf's own
#     PREPENDed A-R is removed by the same rule (seen only without it).
#  7. afterwards no process of the test is left and the host's
#     /etc/resolv.conf was never changed.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"
. "$SRC/tests/postfix/verifiers.sh"
if [ -z "${VF_UNSHARED:-}" ]; then
    # The host's resolv.conf, before the namespace (the same file is seen
    # again inside it once the bind mount is gone).
    VF_HOST_RESOLV=$(cksum </etc/resolv.conf)
    export VF_HOST_RESOLV
fi
vf_unshare "$@"

PF_VERIFIERS=yes
VF_SPF_HEADER_TYPE=AR           # to see that header_checks strip it (6.)
pf_setup
pf_start
pf_milter_start || t_fail "postmask-milter did not start: $(cat "$PF_MILTER_LOG")"
postconf -c "$PF_CONF" -P "127.0.0.1:$PF_PORT_MX/inet/smtpd_milters" \
    | grep -q 'postmask_vf_milters,\$postmask_mx_milters' \
    || t_fail "the MX's milters are not verifiers then postmask"

id='mx\.postmask\.test'
[ "$VF_AUTHSERV_ID" = mx.postmask.test ] || t_fail "VF_AUTHSERV_ID=$VF_AUTHSERV_ID"

# dump_for RCPT: the sink's dump for the message sent to RCPT.
dump_for() {
    for f in $(pf_sink_files); do
        if [ "$(pf_sink_rcpts "$f")" = "$1" ]; then
            echo "$f"
            return 0
        fi
    done
    return 1
}

# delivered N RCPT: waits for the Nth message, which must be RCPT's; its
# A-R lines go to $ar.
delivered() {
    pf_wait_delivered "$1" || t_fail "$2: not delivered: $(tail -20 "$PF_MAILLOG")"
    dump=$(dump_for "$2") || t_fail "$2: no dump"
    ar=$(vf_ar_lines "$dump")
    case_name=$2
}

# has ERE / hasnt ERE: an A-R line of the last message matches, or none.
has() {
    printf '%s\n' "$ar" | grep -Eq -- "$1" \
        || t_check_fail "$case_name: no A-R line matches /$1/; A-R lines:
$ar"
}

hasnt() {
    if printf '%s\n' "$ar" | grep -Eq -- "$1"; then
        t_check_fail "$case_name: an A-R line matches /$1/; A-R lines:
$ar"
    fi
}

# ours ERE: an A-R line of our authserv-id matching ERE.
ours() {
    has "^Authentication-Results: $id;.*$1"
}

body=$T_WORK/body
printf 'Hello, the flat is still free.\n' >"$body"

# --- 1. The contact's own server signs; it relays from $VF_CONTACT_IP. ---
vf_send_signed bob@building.example bob@building.example s1@other.example "$body"
delivered 1 s1@other.example
ours 'dkim=pass .*header\.d=building\.example'
ours 'spf=pass smtp\.mailfrom=building\.example'
ours 'dmarc=pass .*header\.from=building\.example'
hasnt 'sender SPF authorized'           # policyd-spf's A-R: stripped
grep -q '^DKIM-Signature: .*d=building\.example' "$dump" \
    || grep -A1 '^DKIM-Signature:' "$dump" | grep -q 'd=building\.example' \
    || t_check_fail "s1: no DKIM-Signature d=building.example"

# --- 2. Eve, straight to the MX from her IP, with forged A-R. -----------
cat >"$T_WORK/forged" <<EOF
Authentication-Results: mx.postmask.test; dmarc=pass header.from=building.example
Authentication-Results:
	MX.Postmask.Test;
	spf=pass smtp.mailfrom=bob@building.example
Authentication-Results: mx.postmask.test 1; dkim=pass header.d=building.example
Authentication-Results: (a comment) mx.postmask.test; dmarc=pass header.from=building.example
Authentication-Results : mx.postmask.test; dmarc=pass header.from=building.example
Authentication-Results: relay.other.example; forged=kept
Subject: deposit

Please pay the deposit to this account.
EOF
vf_send_direct bob@building.example bob@building.example s2@other.example \
    "$T_WORK/forged" "$VF_EVE_IP"
[ "$PF_SWAKS_RC" = 0 ] || t_fail "s2: swaks exited $PF_SWAKS_RC: $(cat "$PF_SWAKS_LOG")"
delivered 2 s2@other.example
ours 'dkim=(none|fail)'
ours 'spf=fail smtp\.mailfrom=building\.example'
ours 'dmarc=fail .*header\.from=building\.example'
hasnt 'dmarc=pass'
hasnt 'spf=pass'
hasnt 'dkim=pass'
has '^Authentication-Results: relay\.other\.example; forged=kept'
[ "$(printf '%s\n' "$ar" | grep -c "^Authentication-Results: $id;")" = 3 ] \
    || t_check_fail "s2: not exactly the three A-R of the verifiers: $ar"

# --- 3. Eve's own server signs it, d=evil.example. -----------------------
vf_send_signed bob@building.example bob@building.example s3@other.example "$body" eve
delivered 3 s3@other.example
ours 'dkim=pass .*header\.d=evil\.example'
hasnt 'header\.d=building\.example'
ours 'spf=fail smtp\.mailfrom=building\.example'
ours 'dmarc=fail .*header\.from=building\.example'

# --- 4. SPF only: no DKIM key, aligned envelope sender, the contact's IP.
vf_send_direct x@spfonly.example x@spfonly.example s4@other.example "$body" \
    "$VF_CONTACT_IP"
delivered 4 s4@other.example
ours 'dkim=none'
ours 'spf=pass smtp\.mailfrom=spfonly\.example'
ours 'dmarc=pass .*header\.from=spfonly\.example'

# --- 5. No DMARC record: DKIM passes, DMARC has nothing to say. ----------
vf_send_signed carol@nodmarc.example carol@nodmarc.example s5@other.example "$body"
delivered 5 s5@other.example
ours 'dkim=pass .*header\.d=nodmarc\.example'
ours 'dmarc=none .*header\.from=nodmarc\.example'
hasnt 'dmarc=(pass|fail)'

# --- 6. Controls. ---------------------------------------------------------
cat >"$T_WORK/forged-spf" <<EOF
Authentication-Results: mx.postmask.test; spf=pass smtp.mailfrom=building.example
Subject: deposit

Please pay the deposit to this account.
EOF
# OpenDMARC trusting SPF results in A-R headers of our authserv-id: with
# the header_checks rule, it never sees the forged one.
vf_dmarc_spf headers
vf_send_direct bob@building.example bob@building.example s6@other.example \
    "$T_WORK/forged-spf" "$VF_EVE_IP"
delivered 6 s6@other.example
ours 'dmarc=fail .*header\.from=building\.example'
hasnt 'spf=pass'
# Without the rule, it does: dmarc=pass for eve, the forged header
# delivered, and policyd-spf's A-R (a PREPEND through cleanup) shows up.
pf_postconf -e 'header_checks ='
pf_reload
vf_send_direct bob@building.example bob@building.example s7@other.example \
    "$T_WORK/forged-spf" "$VF_EVE_IP"
delivered 7 s7@other.example
ours 'dmarc=pass .*header\.from=building\.example'
ours 'spf=pass smtp\.mailfrom=building\.example$'
ours 'spf=fail .*client-ip=192\.0\.2\.66'

# --- 7. Everything stops; the host's resolv.conf is as it was. -----------
[ "$(cat /etc/resolv.conf)" = "nameserver $VF_DNS_ADDR" ] \
    || t_check_fail "/etc/resolv.conf is not ours: $(cat /etc/resolv.conf)"
dns_pid=$(cat "$PF_DIR/vf-dnsmasq.pid")
pf_cleanup
_pf_alive "$dns_pid" && t_check_fail "dnsmasq still runs after pf_cleanup"
left=$(pf_procs_in "$PF_DIR")
[ -z "$left" ] || t_check_fail "still running after pf_cleanup: $(for p in $left; do tr '\0' ' ' </proc/"$p"/cmdline; echo; done)"
grep -q "$VF_DNS_ADDR" /etc/resolv.conf && t_check_fail "resolv.conf still bind-mounted"
[ "$(cksum </etc/resolv.conf)" = "$VF_HOST_RESOLV" ] \
    || t_check_fail "the host's /etc/resolv.conf changed"
t_done
