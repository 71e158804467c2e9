# SPDX-License-Identifier: Apache-2.0
# Helpers for the stand-in's own tests (tests/standin_*.sh).  Source after
# lib.sh; they need curl(1) and jq(1).
command -v curl >/dev/null || t_fail "curl is not installed"
command -v jq >/dev/null || t_fail "jq is not installed"

# step TEXT: names what the next checks are about, for failure messages.
step() {
    what=$1
}

# api METHOD PATH [CURL_ARGS...]: a Twilio API request with the account's
# Basic credentials; sets $code (HTTP status), $body and $headers.
api() {
    sl_m=$1
    sl_p=$2
    shift 2
    code=$(curl -s -o "$T_WORK/body" -D "$T_WORK/headers" -w '%{http_code}' \
        -X "$sl_m" -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" "$@" \
        "$T_STANDIN_URL$sl_p") || code="curl exit $?"
    body=$(cat "$T_WORK/body")
    headers=$(tr -d '\r' < "$T_WORK/headers")
}

# ctl METHOD PATH [CURL_ARGS...]: a control API request (no credentials).
ctl() {
    sl_m=$1
    sl_p=$2
    shift 2
    code=$(curl -s -o "$T_WORK/body" -D "$T_WORK/headers" -w '%{http_code}' \
        -X "$sl_m" "$@" "$T_STANDIN_URL$sl_p") || code="curl exit $?"
    body=$(cat "$T_WORK/body")
    headers=$(tr -d '\r' < "$T_WORK/headers")
}

# field FILTER: jq -r FILTER on the last body.
field() {
    printf '%s' "$body" | jq -r "$1"
}

# expect STATUS [TWILIO_CODE [MESSAGE_PART]]: the last request got HTTP
# STATUS, and when given Twilio's error body with that code, and a message
# containing MESSAGE_PART.
expect() {
    [ "$code" = "$1" ] || t_fail "$what: HTTP $code, want $1: $body"
    if [ -n "${2:-}" ]; then
        [ "$(field .code)" = "$2" ] || t_fail "$what: Twilio code $(field .code), want $2: $body"
        [ "$(field .status)" = "$1" ] || t_fail "$what: error body status $(field .status), want $1"
        [ "$(field .more_info)" = "https://www.twilio.com/docs/errors/$2" ] \
            || t_fail "$what: more_info $(field .more_info)"
    fi
    if [ -n "${3:-}" ]; then
        case $(field .message) in
        *"$3"*) ;;
        *) t_fail "$what: message \"$(field .message)\" does not say \"$3\"" ;;
        esac
    fi
}

# same GOT WANT: GOT equals WANT.
same() {
    [ "$1" = "$2" ] || t_fail "$what: got \"$1\", want \"$2\""
}

# new_conversation [CURL_ARGS...]: creates a conversation; sets $conv (SID).
new_conversation() {
    api POST /v1/Conversations "$@"
    expect 201
    conv=$(field .sid)
}
