# SPDX-License-Identifier: Apache-2.0
# Helpers for the tests that run postmask-bridge.  Source after lib.sh.

# t_bridge_run DIR: starts postmask-bridge -f -c DIR (DIR/main.cf exists,
# with its secrets), reads the ports it listens on from its start line
# (bridge_listen and webhook_listen may say port 0: any free port), and
# waits until it answers /healthz.  Returns 1 when it exited with "Address
# already in use" (the caller may pick another port), fails the test on any
# other exit.  Sets T_BRIDGE_DIR, T_BRIDGE_URL (the API, /healthz,
# /metrics), T_BRIDGE_WEBHOOK_URL (Twilio's webhooks: POST
# $T_BRIDGE_WEBHOOK_URL/twilio/webhook), T_BRIDGE_PID and T_BRIDGE_LOG
# (appended to, across restarts).  t_bridge_cleanup runs at exit.
t_bridge_run() {
    T_BRIDGE_DIR=$1
    T_BRIDGE_LOG=${T_BRIDGE_LOG:-$T_WORK/bridge.log}
    t_on_exit t_bridge_cleanup
    t_br_lines=0
    [ -f "$T_BRIDGE_LOG" ] && t_br_lines=$(wc -l < "$T_BRIDGE_LOG")
    : >> "$T_BRIDGE_LOG"
    "$BIN/postmask-bridge" -f -c "$1" 2>>"$T_BRIDGE_LOG" &
    T_BRIDGE_PID=$!
    t_br_i=0
    T_BRIDGE_URL=
    while kill -0 "$T_BRIDGE_PID" 2>/dev/null; do
        if [ -z "$T_BRIDGE_URL" ]; then
            t_br_listen=$(tail -n +"$((t_br_lines + 1))" "$T_BRIDGE_LOG" \
                | sed -n 's/.*: starting: .*, listen \([^ ,]*\),.*/\1/p' | head -1)
            [ -n "$t_br_listen" ] && T_BRIDGE_URL="http://$t_br_listen"
            t_br_listen=$(tail -n +"$((t_br_lines + 1))" "$T_BRIDGE_LOG" \
                | sed -n 's/.*: starting: .*, webhook listen \([^ ,]*\),.*/\1/p' | head -1)
            T_BRIDGE_WEBHOOK_URL="http://$t_br_listen"
        fi
        [ -n "$T_BRIDGE_URL" ] && curl -s -o /dev/null "$T_BRIDGE_URL/healthz" \
            && return 0
        t_br_i=$((t_br_i + 1))
        [ $t_br_i -lt 150 ] || t_fail "the bridge does not answer: $(cat "$T_BRIDGE_LOG")"
        sleep 0.1
    done
    wait "$T_BRIDGE_PID" 2>/dev/null
    T_BRIDGE_PID=
    tail -n +"$((t_br_lines + 1))" "$T_BRIDGE_LOG" | grep -q "Address already in use" \
        && return 1
    t_fail "the bridge exited: $(tail -n +"$((t_br_lines + 1))" "$T_BRIDGE_LOG")"
}

# t_bridge_start DIR TWILIO_URL ACCOUNT_SID TOKEN_FILE < EXTRA_MAIN_CF
# writes DIR/main.cf (a proxy domain, keys, spool, secrets, Twilio at
# TWILIO_URL, any free loopback ports, each message its own email: no
# coalescing, rate limit or context; and the extra lines from stdin, which
# may set any of these again) and runs the bridge (t_bridge_run).  Also sets T_BRIDGE_API_TOKEN.
t_bridge_start() {
    T_BRIDGE_API_TOKEN="api-token-$$-test"
    t_bs_extra=$(cat)
    (umask 077
     echo "k1 0123456789abcdef0123456789abcdef" > "$1/address.keys"
     echo "$T_BRIDGE_API_TOKEN" > "$1/api_token"
     cp "$4" "$1/twilio_auth_token")
    cat > "$1/main.cf" <<CF
proxy_domains = reply.example.com
address_keys_file = $1/address.keys
spool_directory = $1/spool
bridge_listen = 127.0.0.1:0
webhook_listen = 127.0.0.1:0
twilio_api_url = $2
twilio_media_url = $2
twilio_account_sid = $3
twilio_auth_token_file = $1/twilio_auth_token
api_token_file = $1/api_token
email_coalesce_delay = 0
email_rate_limit = 0
email_context_messages = 0
$t_bs_extra
CF
    t_bridge_run "$1" || t_fail "the bridge could not listen"
}

# t_twilio_sign TOKEN URL NAME=VALUE...: X-Twilio-Signature as Twilio
# computes it (FACTS.md section 4): HMAC-SHA1 with TOKEN over URL and each
# name and value, sorted by name, base64.  Values without white space.
t_twilio_sign() {
    t_ts_token=$1 t_ts_data=$2
    shift 2
    for t_ts_p in $(printf '%s\n' "$@" | sort); do
        t_ts_data="$t_ts_data${t_ts_p%%=*}${t_ts_p#*=}"
    done
    printf '%s' "$t_ts_data" | openssl dgst -sha1 -hmac "$t_ts_token" -binary | base64
}

# t_bridge_stop: SIGTERM; the bridge must exit 0 (under ASan: leak-free).
t_bridge_stop() {
    kill -TERM "$T_BRIDGE_PID"
    t_bs_status=0
    wait "$T_BRIDGE_PID" || t_bs_status=$?
    T_BRIDGE_PID=
    [ "$t_bs_status" = 0 ] || t_fail "the bridge exited $t_bs_status on SIGTERM: $(tail -20 "$T_BRIDGE_LOG")"
}

# t_bridge_kill: SIGKILL, as a crash would.
t_bridge_kill() {
    kill -KILL "$T_BRIDGE_PID"
    wait "$T_BRIDGE_PID" 2>/dev/null
    T_BRIDGE_PID=
}

# Stops the bridge, then every stand-in (and the milter) lib.sh started.
t_bridge_cleanup() {
    if [ -n "${T_BRIDGE_PID:-}" ]; then
        kill "$T_BRIDGE_PID" 2>/dev/null
        wait "$T_BRIDGE_PID" 2>/dev/null
    fi
    t_standin_cleanup
}
