#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_catchup - the whole chain (e2e_lib.sh) when Twilio's onMessageAdded
# webhooks do not arrive (Twilio never retries them): catch-up (catchup.h)
# finds the messages and every seeker text is emailed exactly once,
# counted by Message-ID (<MessageSid@proxy-domain>) in the sink.
#   1. the bridge stopped for 60 s while 30 texts go through, one every
#      two seconds, then started;
#   2. texts whose webhook came while catch-up ran every 2 s, and one whose
#      webhook never fired (the stand-in's webhooks off): one email each;
#   3. the bridge SIGSTOPped with webhooks in flight, then SIGKILLed, then
#      started;
#   4. the spool full (a tiny tmpfs mounted in this test's own mount
#      namespace): the webhook gets 500; once there is room, catch-up
#      emails the text, once;
#   5. every text carries the emailed marker at Twilio (set without a
#      webhook), and a fresh bridge without dedupe markers or conversation
#      records (as after the markers expired) emails nothing again.
. "$SRC/tests/postfix/e2e_lib.sh"

N=30            # texts while the bridge is down
DOWN=60         # seconds it is down

e2e_setup

# The spool on a 2 MB tmpfs, so that part 4 can fill it.
t_bridge_stop
pf_milter_stop || :
mv "$PF_PM_SPOOL" "$PF_PM_SPOOL.disk"
mkdir "$PF_PM_SPOOL"
mount -t tmpfs -o size=2m tmpfs "$PF_PM_SPOOL" || t_fail "cannot mount a tmpfs on the spool"
chown --reference="$PF_PM_SPOOL.disk" "$PF_PM_SPOOL"
chmod --reference="$PF_PM_SPOOL.disk" "$PF_PM_SPOOL"
cp -a "$PF_PM_SPOOL.disk/." "$PF_PM_SPOOL/"
pf_pmconf -e "catchup_interval = 2s" "catchup_rate_limit = 20" \
    "catchup_minimal_age = 1s"
pf_milter_start || t_fail "the milter did not restart: $(tail -5 "$PF_MILTER_LOG")"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
e2e_start_conversation

# Every text so far emailed exactly once, and nothing else.
check_once() {
    pf_wait_delivered "$TOTAL" || t_fail "$1: $(pf_sink_count) of $TOTAL emails arrived"
    settle
    for m in $ALL; do
        n=$(pf_sink_files | while read -r f; do grep -il "^Message-ID: <$m@" "$f"; done | wc -l)
        [ "$n" = 1 ] || t_fail "$1: $m was emailed $n times"
    done
    [ "$(pf_sink_count)" = "$TOTAL" ] || t_fail "$1: $(pf_sink_count) emails for $TOTAL texts"
}

# --- 1. The bridge down while N texts go through.
t_bridge_stop
down_at=$(date +%s)
i=0
while [ $i -lt $N ]; do
    i=$((i + 1))
    sms "While you were down, text $i"
    [ "$(jq .webhook.status "$T_WORK/inbound.json")" = null ] \
        || t_fail "text $i: a webhook was answered while the bridge was down"
    sleep $((DOWN / N))
done
left=$((down_at + DOWN - $(date +%s)))
[ "$left" -le 0 ] || sleep "$left"
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
check_once "bridge down"
bridge_logged "$SID: catch-up: IM[0-9a-f]* (index [0-9]*): queued as job" \
    || t_fail "catch-up did not log what it queued"
[ "$(metric postmask_catchup_messages_total)" = "$N" ] \
    || t_fail "postmask_catchup_messages_total is $(metric postmask_catchup_messages_total), want $N"

# --- 2. Webhook and catch-up both reach texts; then one webhook never fires.
sms "Webhook and catch-up, one"
[ "$(jq .webhook.status "$T_WORK/inbound.json")" = 200 ] || t_fail "the webhook was not answered 200"
sms "Webhook and catch-up, two"
check_once "webhook and catch-up"
curl -s -o /dev/null -d Enabled=false "$T_STANDIN_URL/_standin/webhooks"
sms "No webhook for this one"
[ "$(jq .webhook.fired "$T_WORK/inbound.json")" = false ] || t_fail "the webhook fired"
curl -s -o /dev/null -d Enabled=true "$T_STANDIN_URL/_standin/webhooks"
check_once "webhook lost"
[ "$(metric postmask_catchup_messages_total)" = $((N + 1)) ] \
    || t_fail "postmask_catchup_messages_total is $(metric postmask_catchup_messages_total), want $((N + 1))"

# --- 3. SIGKILL with webhooks in flight: the bridge is stopped (SIGSTOP),
# so the webhooks connect and wait for an answer that never comes.
e2e_kill_in_flight 6 "In flight when killed"
for m in $IN_FLIGHT; do
    ALL="$ALL $m"
    TOTAL=$((TOTAL + 1))
done
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
check_once "SIGKILL in flight"

# --- 4. The spool full: the webhook gets 500; catch-up emails it later.
dd if=/dev/zero of="$PF_PM_SPOOL/fill" bs=64k 2>/dev/null || :
sms "When the disk was full"
[ "$(jq .webhook.status "$T_WORK/inbound.json")" = 500 ] \
    || t_fail "the webhook got $(jq .webhook.status "$T_WORK/inbound.json"), want 500"
wait_for "catch-up to fail on the full spool" bridge_logged "$SID: catch-up: $MSG: cannot queue"
rm -f "$PF_PM_SPOOL/fill"
check_once "spool full"

# --- 5. The emailed marker at Twilio, and a fresh bridge without dedupe
# markers or conversation records emails nothing twice.
marked() {
    [ "$(messages | jq '[.messages[] | select((.attributes | fromjson | .postmask.emailed) != null)] | length')" = "$TOTAL" ]
}
wait_for "the emailed marker on every text" marked
[ "$(curl -s "$T_STANDIN_URL/_standin/requests" | jq '[.requests[] | select(.operation == "update_message" and .webhook_enabled != "false")] | length')" = 0 ] \
    || t_fail "an emailed marker was set with webhooks enabled"
t_bridge_stop
# Markers are symbolic links (files in spools of older versions).
find "$PF_PM_SPOOL/dedupe" -mindepth 1 -delete
[ -z "$(ls -A "$PF_PM_SPOOL/dedupe")" ] || t_fail "dedupe markers are left"
rm -f "$PF_PM_SPOOL/conversations/CH"*
t_bridge_run "$PF_PM_DIR" || t_fail "the bridge did not restart"
check_once "fresh dedupe"
[ "$(metric postmask_catchup_messages_total)" = 0 ] \
    || t_fail "catch-up queued $(metric postmask_catchup_messages_total) message(s) again"
t_bridge_stop
pf_milter_stop || :
umount "$PF_PM_SPOOL"
t_pass
