#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_two_nodes - the deployment of docs/DEPLOYMENT.md on loopback: two
# complete nodes (each its own private Postfix, postmask-milter and
# postmask-bridge, with the same address keys), one Twilio stand-in, and
# nothing else shared.  Twilio's webhooks go to node A; node B is the
# standby, its catch-up running.
#   1. traffic through A: every seeker text is emailed once, by A; B's
#      catch-up (it discovers the conversation at Twilio) emails none again;
#   2. node A dies mid-traffic: its Postfix is down while three texts are
#      accepted (its bridge answered 200 and holds them in its spool), three
#      more webhooks are in flight when its bridge and milter are
#      SIGKILLed; the operator moves the webhook target to B at Twilio
#      (POST /v1/Configuration/Webhooks); more texts come: every text
#      reaches the building contact exactly once (B's webhooks, and B's
#      catch-up for the six A took with it);
#   3. node A comes back with its spool: the jobs it held find the emailed
#      marker at Twilio and send nothing;
#   4. the contact's reply delivered to both MX hosts (a retry to the
#      backup MX) is posted into the conversation once;
#   5. so is one without a Message-ID: each MX host adds its own trace
#      fields, but the content key (content_key.h) is the same, and B finds
#      the reply already posted rather than holding it for the loop guard.
# Emails are counted by Message-ID (<MessageSid@proxy-domain>) in both
# nodes' sinks: the building contact's mailbox is their union.
. "$SRC/tests/postfix/e2e_lib.sh"

CATCHUP="catchup_interval = 2s"
MINAGE="catchup_minimal_age = 5s"

# --- The nodes.  Bridge variables are kept per node beside the harness's.
CUR=
node() {
    if [ -n "$CUR" ]; then
        pf_node_save "$CUR"
        eval "BR_${CUR}_PID=\$T_BRIDGE_PID BR_${CUR}_URL=\$T_BRIDGE_URL" \
            "BR_${CUR}_LOG=\$T_BRIDGE_LOG BR_${CUR}_HOOK=\$WEBHOOK_URL"
    fi
    CUR=$1
    pf_node_use "$1"
    eval "T_BRIDGE_PID=\$BR_${1}_PID T_BRIDGE_URL=\$BR_${1}_URL" \
        "T_BRIDGE_LOG=\$BR_${1}_LOG WEBHOOK_URL=\$BR_${1}_HOOK"
    T_BRIDGE_DIR=$PF_PM_DIR
}
kill_bridges() {
    for p in ${BR_A_PID:-} ${BR_B_PID:-} ${T_BRIDGE_PID:-}; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    :
}

# Node A: the MX stack with the verifiers, and the stand-in posting its
# webhooks to A.
pf_setup
pf_start
e2e_pick_ports
t_standin_start "$PF_DIR/standin" "$WEBHOOK_URL"
e2e_configure
pf_pmconf -e "$CATCHUP" "$MINAGE" "catchup_rate_limit = 20"
pf_milter_start || t_fail "milter A did not start: $(cat "$PF_MILTER_LOG")"
T_BRIDGE_LOG=$T_WORK/bridge-a.log
t_bridge_run "$PF_PM_DIR" || t_fail "bridge A could not listen"
t_on_exit kill_bridges
KEYS=$PF_PM_KEYS
SINK_A=$PF_SINK_DIR
CUR=A
node A

# Node B: a second instance, the same verifiers (vf_share), the same keys.
pf_node_clear
CUR=
T_BRIDGE_PID=
PF_VERIFIERS=no
pf_setup
vf_share
cp "$KEYS" "$PF_PM_KEYS"
pf_start
e2e_pick_ports
e2e_configure
pf_pmconf -e "$CATCHUP" "$MINAGE" "catchup_rate_limit = 20"
pf_milter_start || t_fail "milter B did not start: $(cat "$PF_MILTER_LOG")"
T_BRIDGE_LOG=$T_WORK/bridge-b.log
t_bridge_run "$PF_PM_DIR" || t_fail "bridge B could not listen"
SINK_B=$PF_SINK_DIR
SINKS="$SINK_A $SINK_B"
CUR=B
node A

# texts N TEXT: the seeker sends N texts ("TEXT 1", ...), each webhook
# answered 200 by the current node; sets SENT to their MessageSids.
texts() {
    SENT=
    i=0
    while [ $i -lt "$1" ]; do
        i=$((i + 1))
        sms "$2 $i"
        SENT="$SENT $MSG"
        [ "$(jq .webhook.status "$T_WORK/inbound.json")" = 200 ] \
            || t_fail "$2 $i: the webhook to node $CUR got $(jq .webhook.status "$T_WORK/inbound.json")"
    done
}
emails_of() {
    for d in $SINKS; do
        grep -il "^Message-ID: <$1@" "$d"/* 2>/dev/null
    done | wc -l
}
emails() { for d in $SINKS; do ls "$d"; done | wc -l; }
emails_at_least() { [ "$(emails)" -ge "$1" ]; }
# Every text so far emailed exactly once, and nothing else, both nodes
# counted.
check_once() {
    _pf_poll 60 emails_at_least "$TOTAL" \
        || t_fail "$1: $(emails) of $TOTAL emails arrived"
    settle 5
    for m in $ALL; do
        n=$(emails_of "$m")
        [ "$n" = 1 ] || t_fail "$1: $m was emailed $n times"
    done
    [ "$(emails)" = "$TOTAL" ] || t_fail "$1: $(emails) emails for $TOTAL texts"
}

# B's first catch-up pass (a fresh install takes what it finds as handled)
# is over before the conversation starts.
node B
wait_for "B's first catch-up pass" passes_above 0
node A
e2e_start_conversation

# --- 1. Traffic through A; B's catch-up looks at the same messages.
texts 5 "Through node A, text"
node B
check_once "through A"
for m in $ALL; do
    grep -qi "^Message-ID: <$m@" "$SINK_A"/* \
        || t_fail "$m was not emailed by node A"
done

# --- 2. Node A dies mid-traffic.  Its Postfix down: texts accepted by its
# bridge (200) but not emailed yet.
node A
pf_postfix_stop
texts 3 "Held by node A, text"
HELD=$SENT
for m in $HELD; do
    wait_for "A to try to email $m" grep -q "$m: email to MB[0-9a-f]* deferred" "$T_BRIDGE_LOG"
done
# Webhooks in flight: A's bridge stopped, then killed with its milter.
e2e_kill_in_flight 3 "In flight when node A died"
pf_milter_kill
for m in $IN_FLIGHT; do
    ALL="$ALL $m"
    TOTAL=$((TOTAL + 1))
done

# The operator moves Twilio's webhook target to B.
curl -s -o "$T_WORK/hooks.json" -w '%{http_code}' \
    -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" \
    --data-urlencode "PostWebhookUrl=$BR_B_HOOK" \
    "$T_STANDIN_URL/v1/Configuration/Webhooks" >"$T_WORK/hooks.code"
[ "$(cat "$T_WORK/hooks.code")" = 200 ] \
    || t_fail "moving the webhook target: HTTP $(cat "$T_WORK/hooks.code"): $(cat "$T_WORK/hooks.json")"
[ "$(jq -r .post_webhook_url "$T_WORK/hooks.json")" = "$BR_B_HOOK" ] \
    || t_fail "the webhook target is $(jq -r .post_webhook_url "$T_WORK/hooks.json")"
node B
texts 4 "Through node B, text"
check_once "A died, B took over"
for m in $HELD; do
    [ "$(grep -il "^Message-ID: <$m@" "$SINK_B"/* | wc -l)" = 1 ] \
        || t_fail "$m, held by A when it died, was not emailed by B"
done
[ "$(metric postmask_catchup_messages_total)" -ge 6 ] \
    || t_fail "B's catch-up queued $(metric postmask_catchup_messages_total) message(s), want at least 6"

# --- 3. Node A comes back with the jobs it held: they send nothing.
node A
pf_postfix_start
pf_milter_start || t_fail "milter A did not restart: $(tail -5 "$PF_MILTER_LOG")"
t_bridge_run "$PF_PM_DIR" || t_fail "bridge A did not restart"
for m in $HELD; do
    wait_for "A's job for $m to end" \
        grep -q "done: twilio_message: $SID: $m: " "$T_BRIDGE_LOG"
done
check_once "A came back"
for m in $HELD; do
    grep -q "$m: already emailed (the emailed marker is set at Twilio)" "$T_BRIDGE_LOG" \
        || t_fail "A's job for $m did not end for the emailed marker"
done

# --- 4. The same reply through both MX hosts: posted once.
REPLY="Yes, come on Tuesday at ten."
posted_once() { [ "$(bodies_with "$REPLY")" = 1 ]; }
e2e_reply "two-mx-1@building.example" "$REPLY"
wait_for "the reply through A's MX to be posted" posted_once
node B
e2e_reply "two-mx-1@building.example" "$REPLY"
wait_for "B to find the reply already posted" \
    grep -q "is already in the conversation" "$T_BRIDGE_LOG"
posted_once || t_fail "the reply through both MX hosts was posted $(bodies_with "$REPLY") times"

# --- 5. The same reply without a Message-ID through both MX hosts.
REPLY="Thursday works too, no Message-ID here."
{
    echo "Date: Fri, 4 Dec 2026 10:02:11 +0100"
    echo "From: Bob Builder <$CONTACT_EMAIL>"
    echo "To: Ann Seeker <$PROXY>"
    echo "Subject: Re: Unit 4B, 12 Harbour St"
    echo "Content-Type: text/plain; charset=\"UTF-8\""
    echo
    printf '%s\n' "$REPLY"
} > "$T_WORK/reply-no-mid.eml"
# The contact's server is on lo here, so Postfix would count it local and
# add a Message-ID (local_header_rewrite_clients); a real MX adds none to
# remote mail.
for n in A B; do
    node $n
    pf_postconf -e "local_header_rewrite_clients =" && pf_reload
done
node A
contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/reply-no-mid.eml"
wait_for "the reply without a Message-ID through A's MX to be posted" posted_once
key=$(messages | jq -r --arg b "$REPLY" '.messages[] | select(.body == $b) | .attributes | fromjson | .postmask.content_key')
printf '%s' "$key" | grep -Eq '^[0-9a-f]{64}$' || t_fail "the posted reply has no content key: $key"
node B
already() { grep -c "is already in the conversation" "$T_BRIDGE_LOG"; }
n0=$(already)
contact_swaks --from "$CONTACT_EMAIL" --to "$PROXY" --data "$T_WORK/reply-no-mid.eml"
wait_for "B to find the reply without a Message-ID already posted, or hold it" \
    sh -c "[ \$(grep -c 'is already in the conversation' '$T_BRIDGE_LOG') -gt $n0 ] || grep -q 'held: .*loop guard' '$T_BRIDGE_LOG'"
grep -q "held: .*loop guard" "$T_BRIDGE_LOG" && t_fail "B held the reply for the loop guard: $(grep "loop guard" "$T_BRIDGE_LOG")"
posted_once || t_fail "the reply without a Message-ID was posted $(bodies_with "$REPLY") times"
t_pass
