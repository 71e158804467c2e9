#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# postmask reads main.cf as postconf(1) does.  For every parameter, set in a
# realistic file (with $name expansions, conditional expansions, comments and
# continuation lines), the value postmask uses equals what
# `postconf -c DIR -x -h NAME` prints; `postconf -c DIR -n` prints no warning;
# and no postmask parameter is a name Postfix itself already knows.
. "$SRC/tests/lib.sh"

command -v postconf >/dev/null || t_fail "postconf not installed (run make deps)"
dir=$(t_tmpdir postconf)
: > "$dir/master.cf"
cat > "$dir/main.cf" <<'CF'
# A realistic postmask configuration.
smtpd_restriction_classes = proxy_domains, address_keys_file,
    spool_directory, job_minimal_backoff, job_maximal_backoff,
    job_maximal_lifetime, dedupe_lifetime, spool_sync_method, milter_listen, bridge_listen, webhook_listen,
    capture_size_limit, attachment_size_limit, trusted_authserv_ids,
    capture_rate_limit, rcpt_failure_limit, bounce_tag_lifetime,
    masking_daemon_names, unmasked_senders, mask_bodies,
    masked_display_format,
    log_facility, twilio_api_url, twilio_account_sid,
    twilio_auth_token_file, api_token_file, twilio_media_url,
    twilio_messaging_service_sid, twilio_connect_timeout,
    twilio_request_timeout, twilio_retry_limit, twilio_maximal_retry_delay,
    sms_proxy_numbers, whatsapp_proxy_numbers,
    conversation_inactive_timer, conversation_closed_timer,
    twilio_api_key_sid, twilio_api_key_secret_file, twilio_chat_service_sid,
    chat_token_ttl, bridge_request_size_limit, bridge_header_size_limit,
    bridge_connection_limit, bridge_client_timeout,
    bridge_header_timeout, bridge_body_timeout,
    bridge_client_connection_limit,
    webhook_url, twilio_webhook_token_file, smtp_submit_url,
    smtp_submit_timeout, email_subject_format,
    email_coalesce_delay, email_coalesce_limit, email_context_messages,
    email_rate_limit, email_reply_marker, email_loop_window,
    unauthenticated_sender_action,
    reply_part_limit, reply_cut_marker, inline_reply_note,
    forwarded_part_note,
    auto_reply_action, participant_cache_ttl, participant_cache_limit,
    job_concurrency,
    catchup_interval, catchup_window, catchup_rate_limit,
    catchup_minimal_age

proxy_domains = reply.example.com,
	reply.example.net
    # an indented comment between continuation lines

    ${bridge_listen?mx.example.org}
address_keys_file = ${spool_directory}/../keys/address.keys
spool_directory = /var/spool/postmask
job_minimal_backoff = 30s
job_maximal_backoff = ${job_minimal_backoff?2h}${job_minimal_backoff:1h}
job_maximal_lifetime = 5d
dedupe_lifetime = ${log_facility?{2w}:{1d}}
spool_sync_method = syncfs
capture_size_limit = 20480000
attachment_size_limit = ${capture_size_limit}
trusted_authserv_ids = mx1.example.com mx2.example.com,
    mx3.example.com
capture_rate_limit = 120
rcpt_failure_limit = 0
bounce_tag_lifetime = 2w
masking_daemon_names = postmask-masking, pickup
unmasked_senders = no-reply@example.com
    bounces@example.com
mask_bodies = yes
masked_display_format = %s via Example Homes (${log_facility})
milter_listen = unix:$spool_directory/../postfix/postmask/milter.sock
bridge_listen = 127.0.0.1:8025
webhook_listen = [::1]:8026
log_facility = mail
twilio_api_url = http://127.0.0.1:8026
twilio_account_sid = AC0123456789abcdef0123456789ABCDEF
twilio_auth_token_file = /etc/postmask/twilio_auth_token
api_token_file = $(spool_directory)/../../etc/postmask/api   token
twilio_media_url = ${twilio_api_url}/mcs
twilio_messaging_service_sid = MG0123456789abcdef0123456789abcdef
twilio_connect_timeout = 5s
twilio_request_timeout = 1m
twilio_retry_limit = 3
twilio_maximal_retry_delay = 10s
sms_proxy_numbers = +14155550100, +14155550101
    +14155550102
whatsapp_proxy_numbers = +14155550199
conversation_inactive_timer = 2d
conversation_closed_timer = 3w
twilio_api_key_sid = SK0123456789abcdef0123456789abcdef
twilio_api_key_secret_file = ${address_keys_file}.api
twilio_chat_service_sid = IS0123456789abcdef0123456789abcdef
chat_token_ttl = 30m
bridge_request_size_limit = 131072
bridge_header_size_limit = 8192
bridge_connection_limit = 100
bridge_client_timeout = 1m
bridge_header_timeout = 5s
bridge_body_timeout = ${bridge_client_timeout}
bridge_client_connection_limit = 8
webhook_url = https://bridge.example.com:8443/twilio/webhook?site=${log_facility}
twilio_webhook_token_file = $twilio_auth_token_file
smtp_submit_url = smtp://127.0.0.1:10026
smtp_submit_timeout = 2m
email_subject_format = Re: %s (Example Homes)
email_coalesce_delay = 45s
email_coalesce_limit = 4m
email_context_messages = 2
email_rate_limit = 12
email_reply_marker = Write your answer above this line; %s reads it %c.
email_loop_window = 5m
unauthenticated_sender_action = post
reply_part_limit = 3
reply_cut_marker = (cut; see ${log_facility})
inline_reply_note =
forwarded_part_note = [forward: ${reply_cut_marker}]
auto_reply_action = note
participant_cache_ttl = 0
participant_cache_limit = 50
job_concurrency = 4
catchup_interval = 0
catchup_window = 2d
catchup_rate_limit = 10
catchup_minimal_age = 5s
CF

# The config must load (ctl needs nothing; check the daemons' view too).
t_expect 0 "$BIN/postmaskctl" -c "$dir" config
names=$("$BIN/postmaskctl" -c "$dir" config -d | sed 's/ =.*//')
count=0
for n in $names; do
    grep -q "^$n *=" "$dir/main.cf" || t_fail "the realistic main.cf does not set $n: add it"
    ours=$("$BIN/postmaskctl" -c "$dir" config -h "$n") || t_fail "postmaskctl config -h $n failed"
    theirs=$(postconf -c "$dir" -x -h "$n" 2>"$T_WORK/pc.err") || t_fail "postconf -x -h $n failed"
    [ -s "$T_WORK/pc.err" ] && t_fail "postconf -x -h $n warned: $(cat "$T_WORK/pc.err")"
    [ "$ours" = "$theirs" ] || t_fail "$n: postmask reads [$ours], postconf -x -h prints [$theirs]"
    count=$((count + 1))
done
[ "$count" -ge 48 ] || t_fail "only $count parameters compared"

# Spot-check that the expansions really happened (the comparison above
# would also pass if both sides failed to expand the same way).
[ "$("$BIN/postmaskctl" -c "$dir" config -h proxy_domains)" = \
  "reply.example.com, reply.example.net mx.example.org" ] || t_fail "proxy_domains not expanded"
[ "$("$BIN/postmaskctl" -c "$dir" config -h job_maximal_backoff)" = "2h" ] \
    || t_fail "\${name?value} / \${name:value} expansion"
[ "$("$BIN/postmaskctl" -c "$dir" config -h dedupe_lifetime)" = "2w" ] || t_fail "if-else expansion"
[ "$("$BIN/postmaskctl" -c "$dir" config -h api_token_file)" = \
  "/var/spool/postmask/../../etc/postmask/api token" ] || t_fail "\$(name) expansion"

out=$(postconf -c "$dir" -n 2>&1) || t_fail "postconf -n failed: $out"
echo "$out" | grep -i warning && t_fail "postconf -n warns: $out"
echo "$out" | grep -q '^twilio_account_sid = AC0123456789abcdef0123456789ABCDEF$' \
    || t_fail "postconf -n does not show twilio_account_sid"

# Postfix must not know any of our names: its defaults would shadow ours in
# postconf -d and its checks would apply.
empty=$(t_tmpdir postconf-empty)
: > "$empty/main.cf"
: > "$empty/master.cf"
for n in $names; do
    postconf -c "$empty" -d "$n" 2>&1 | grep -q "$n: unknown parameter" \
        || t_fail "$n is a Postfix parameter name; choose another"
done
t_pass
