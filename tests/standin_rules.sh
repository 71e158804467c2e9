#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio stand-in enforces Twilio's rules with Twilio's error codes:
# unique UniqueNames (50353) that must not look like SIDs (50390), timers
# only with State on create (50382) and not below their minimums, closed is
# final (50377) and takes no participants or messages, one identity per
# conversation (50433), an (Address, ProxyAddress) pair in one open
# conversation only (50416; closing or deleting frees it), Address !=
# ProxyAddress (50409), one channel per binding (50414), valid proxy
# addresses (50408), Body of at most 1600 characters with an SMS or
# WhatsApp participant (else 32 KiB), the Attributes limits (16 KiB
# conversation, 4 KiB participant and message) and the FriendlyName limit.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"

dir=$(t_tmpdir standin-rules)
t_standin_start "$dir"

# repeat N TEXT: TEXT N times, no newline.
repeat() {
    awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# attributes_file N FILE: a JSON object of exactly N bytes into FILE.
attributes_file() {
    { printf '{"a":"'; repeat $(($1 - 8)) x; printf '"}'; } > "$2"
    [ "$(wc -c < "$2" | tr -d ' ')" = "$1" ] || t_fail "attributes_file $1"
}

# add_sms CONV ADDRESS PROXY: adds an SMS/WhatsApp participant.
add_sms() {
    api POST "/v1/Conversations/$1/Participants" \
        --data-urlencode "MessagingBinding.Address=$2" \
        --data-urlencode "MessagingBinding.ProxyAddress=$3"
}

step "UniqueName: unique (50353)"
new_conversation -d UniqueName=listing-7
a=$conv
api POST /v1/Conversations -d UniqueName=listing-7
expect 409 50353 "$a"
new_conversation -d UniqueName=listing-8
b=$conv
api POST "/v1/Conversations/$b" -d UniqueName=listing-7
expect 409 50353
api GET /v1/Conversations/listing-8
expect 200
same "$(field .unique_name)" listing-8

step "UniqueName: not like a SID (50390)"
api POST /v1/Conversations -d UniqueName=CH0123456789abcdef0123456789abcdef
expect 400 50390
api POST "/v1/Conversations/$a" -d UniqueName=CHffffffffffffffffffffffffffffffff
expect 400 50390

step "timers on create need State (50382)"
api POST /v1/Conversations -d Timers.Inactive=PT5M
expect 400 50382
api POST /v1/Conversations -d Timers.Closed=PT1H
expect 400 50382
api POST /v1/Conversations -d State=active -d Timers.Closed=PT1H
expect 201
step "timers on update need no State"
api POST "/v1/Conversations/$a" -d Timers.Closed=PT1H
expect 200
[ "$(field .timers.date_closed)" != null ] || t_fail "$what: no date_closed: $body"
step "timer minimums: 1 minute inactive, 10 minutes closed"
api POST "/v1/Conversations/$a" -d Timers.Inactive=PT59S
expect 400 20001 "Timers.Inactive"
api POST "/v1/Conversations/$a" -d Timers.Closed=PT9M
expect 400 20001 "Timers.Closed"
api POST "/v1/Conversations/$a" -d Timers.Inactive=PT1M -d Timers.Closed=PT10M
expect 200

step "FriendlyName: 256 characters"
api POST /v1/Conversations --data-urlencode "FriendlyName=$(repeat 256 é)"
expect 201
api POST /v1/Conversations --data-urlencode "FriendlyName=$(repeat 257 a)"
expect 400 20001 FriendlyName

step "Attributes of a conversation: 16 KiB, valid JSON"
attributes_file 16384 "$T_WORK/attr"
api POST /v1/Conversations --data-urlencode "Attributes@$T_WORK/attr"
expect 201
attributes_file 16385 "$T_WORK/attr"
api POST /v1/Conversations --data-urlencode "Attributes@$T_WORK/attr"
expect 400 20001 "16385 bytes"
api POST "/v1/Conversations/$a" --data-urlencode 'Attributes={"a":'
expect 400 20001 "not structurally valid JSON"

step "participants: Identity or Address"
api POST "/v1/Conversations/$a/Participants" -d RoleSid=RL0123456789abcdef0123456789abcdef
expect 400 20001 "Either Identity or MessagingBinding.Address"
api POST "/v1/Conversations/$a/Participants" -d Identity=x --data-urlencode "MessagingBinding.Address=+15550001111"
expect 400 20001 "exclude each other"
add_sms "$a" 15550001111 +15017122661
expect 400 20001 "MessagingBinding.Address"
step "Attributes of a participant: 4 KiB"
attributes_file 4096 "$T_WORK/attr"
api POST "/v1/Conversations/$a/Participants" -d Identity=attr4096 --data-urlencode "Attributes@$T_WORK/attr"
expect 201
attributes_file 4097 "$T_WORK/attr"
api POST "/v1/Conversations/$a/Participants" -d Identity=attr4097 --data-urlencode "Attributes@$T_WORK/attr"
expect 400 20001 "4097 bytes"

step "one identity per conversation (50433)"
api POST "/v1/Conversations/$a/Participants" --data-urlencode Identity=bc@example.com
expect 201
bc=$(field .sid)
api POST "/v1/Conversations/$a/Participants" --data-urlencode Identity=bc@example.com
expect 409 50433
api POST "/v1/Conversations/$b/Participants" --data-urlencode Identity=bc@example.com
expect 201
api POST "/v1/Conversations/$a/Participants" --data-urlencode Identity=other@example.com
expect 201
api POST "/v1/Conversations/$a/Participants/$(field .sid)" --data-urlencode Identity=bc@example.com
expect 409 50433

step "Address and ProxyAddress: differ (50409), same channel (50414), valid (50408)"
add_sms "$a" +15550001111 +15550001111
expect 400 50409
add_sms "$a" whatsapp:+15550001111 +15017122661
expect 400 50414
add_sms "$a" +15550001111 whatsapp:+15017122661
expect 400 50414
add_sms "$a" +15550001111 my-number
expect 400 50408

step "a pair in one open conversation only (50416)"
add_sms "$a" +15550001111 +15017122661
expect 201
seeker=$(field .sid)
add_sms "$a" +15550001111 +15017122661
expect 409 50416 "$a"
add_sms "$b" +15550001111 +15017122661
expect 409 50416 "already exists in Conversation $a"
step "another proxy number is another pair"
add_sms "$b" +15550001111 +15017122662
expect 201
step "inactive still holds the pair"
api POST "/v1/Conversations/$a" -d State=inactive
expect 200
new_conversation
c=$conv
add_sms "$c" +15550001111 +15017122661
expect 409 50416
step "whatsapp: is another address"
add_sms "$c" whatsapp:+15550001111 whatsapp:+15017122661
expect 201
step "updating the ProxyAddress to the Address (50409)"
api POST "/v1/Conversations/$c/Participants" --data-urlencode "MessagingBinding.Address=+15550002222" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15017122663"
expect 201
api POST "/v1/Conversations/$c/Participants/$(field .sid)" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15550002222"
expect 400 50409

step "Body: 1600 characters with an SMS participant"
repeat 1600 é > "$T_WORK/body1600"
api POST "/v1/Conversations/$b/Messages" --data-urlencode "Body@$T_WORK/body1600"
expect 201
same "$(field '.body | length')" 1600
repeat 1601 a > "$T_WORK/body1601"
api POST "/v1/Conversations/$b/Messages" --data-urlencode "Body@$T_WORK/body1601"
expect 400 20001 "1601 characters"
step "Body: 32 KiB in a chat-only conversation"
new_conversation
chatonly=$conv
api POST "/v1/Conversations/$chatonly/Participants" -d Identity=alice
expect 201
api POST "/v1/Conversations/$chatonly/Messages" --data-urlencode "Body@$T_WORK/body1601"
expect 201
repeat 32768 a > "$T_WORK/body32k"
api POST "/v1/Conversations/$chatonly/Messages" --data-urlencode "Body@$T_WORK/body32k"
expect 201
repeat 32769 a > "$T_WORK/body32k"
api POST "/v1/Conversations/$chatonly/Messages" --data-urlencode "Body@$T_WORK/body32k"
expect 400 20001 "32769 bytes"
step "Attributes of a message: 4 KiB"
attributes_file 4097 "$T_WORK/attr"
api POST "/v1/Conversations/$chatonly/Messages" -d Body=x --data-urlencode "Attributes@$T_WORK/attr"
expect 400 20001 "4097 bytes"
step "a message needs a Body, MediaSid or ContentSid"
api POST "/v1/Conversations/$chatonly/Messages" -d Author=alice
expect 400 20001 "Body, MediaSid or ContentSid"
step "Author: defaults to system; names its participant"
api POST "/v1/Conversations/$b/Messages" -d Body=x
same "$(field .author)" system
same "$(field .participant_sid)" null
api POST "/v1/Conversations/$b/Messages" -d Body=x --data-urlencode "Author=+15550001111"
same "$(field .author)" "+15550001111"
[ "$(field .participant_sid)" != null ] || t_fail "$what: no participant_sid"
api POST "/v1/Conversations/$b/Messages" -d Body=x -d Author=nobody
same "$(field .participant_sid)" null

step "closed is final (50377)"
api POST "/v1/Conversations/$a" -d State=closed
expect 200
same "$(field .state)" closed
api POST "/v1/Conversations/$a" -d State=active
expect 409 50377 "cannot be reopened"
api POST "/v1/Conversations/$a" -d State=inactive
expect 409 50377
api POST "/v1/Conversations/$a/Participants" -d Identity=late
expect 409 50377
api POST "/v1/Conversations/$a/Messages" -d Body=late
expect 409 50377
api GET "/v1/Conversations/$a"
same "$(field .state)" closed
step "inactive is not final"
api POST "/v1/Conversations/$c" -d State=inactive
expect 200
api POST "/v1/Conversations/$c" -d State=active
expect 200

step "closing frees the pair"
add_sms "$c" +15550001111 +15017122661
expect 201
step "deleting frees the pair"
add_sms "$b" +15550003333 +15017122661
expect 201
add_sms "$c" +15550003333 +15017122661
expect 409 50416 "$b"
api DELETE "/v1/Conversations/$b"
expect 204
add_sms "$c" +15550003333 +15017122661
expect 201
step "removing the participant frees the pair"
new_conversation
d=$conv
add_sms "$d" +15550003333 +15017122661
expect 409 50416 "$c"
api GET "/v1/Conversations/$c/Participants"
p=$(field '[.participants[] | select(.messaging_binding.address == "+15550003333")][0].sid')
api DELETE "/v1/Conversations/$c/Participants/$p"
expect 204
add_sms "$d" +15550003333 +15017122661
expect 201
step "deleting frees the UniqueName"
api POST /v1/Conversations -d UniqueName=listing-8
expect 201

t_standin_stop
t_pass
