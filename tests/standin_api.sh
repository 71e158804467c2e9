#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio stand-in's API with curl(1): HTTP Basic auth (account and API
# key; 401 with Twilio's 20003 body), every Conversations endpoint with
# Twilio's field names and SID prefixes, fetching by UniqueName and by
# identity, pagination with absolute next_page_url, the Media Content
# Service (upload, metadata, content, attaching), 404/405, the request log,
# reset, and a clean exit on SIGTERM.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"

dir=$(t_tmpdir standin-api)
t_standin_start "$dir"
U=$T_STANDIN_URL

step "the port file and the log"
case $U in http://127.0.0.1:[0-9]*) ;; *) t_fail "bad URL $U" ;; esac
grep -q "starting: listening on $U" "$T_STANDIN_LOG" || t_fail "no start line: $(cat "$T_STANDIN_LOG")"

step "no credentials"
code=$(curl -s -o "$T_WORK/body" -D "$T_WORK/headers" -w '%{http_code}' "$U/v1/Conversations")
body=$(cat "$T_WORK/body")
expect 401 20003 Authenticate
grep -qi '^WWW-Authenticate: Basic' "$T_WORK/headers" || t_fail "$what: no WWW-Authenticate"
step "a wrong token"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:wrong" "$U/v1/Conversations")
body=$(cat "$T_WORK/body")
expect 401 20003
step "another account"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "AC00000000000000000000000000000000:$T_STANDIN_TOKEN" "$U/v1/Conversations")
body=$(cat "$T_WORK/body")
expect 401 20003
step "the API key"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_KEY:$T_STANDIN_KEY_SECRET" "$U/v1/Conversations")
body=$(cat "$T_WORK/body")
expect 200
step "the API key with the auth token"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_KEY:$T_STANDIN_TOKEN" "$U/v1/Conversations")
body=$(cat "$T_WORK/body")
expect 401 20003

# Conversations.
step "create a conversation"
api POST /v1/Conversations --data-urlencode "FriendlyName=Unit 4B" \
    --data-urlencode "UniqueName=postmask:listing-1" \
    --data-urlencode 'Attributes={"listing":1}'
expect 201
conv=$(field .sid)
case $conv in CH[0-9a-f]*) [ ${#conv} = 34 ] || t_fail "$what: SID $conv" ;; *) t_fail "$what: SID $conv" ;; esac
same "$(field .account_sid)" "$T_STANDIN_ACCOUNT"
same "$(field .chat_service_sid)" IS00000000000000000000000000000000
same "$(field '.messaging_service_sid | startswith("MG")')" true
same "$(field .friendly_name)" "Unit 4B"
same "$(field .unique_name)" "postmask:listing-1"
same "$(field .attributes)" '{"listing":1}'
same "$(field .state)" active
same "$(field '.timers | length')" 0
same "$(field .url)" "$U/v1/Conversations/$conv"
same "$(field .links.participants)" "$U/v1/Conversations/$conv/Participants"
same "$(field .links.messages)" "$U/v1/Conversations/$conv/Messages"
field .date_created | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    || t_fail "$what: date_created $(field .date_created)"

step "attributes default to {}"
main=$conv
new_conversation
same "$(field .attributes)" "{}"
same "$(field .unique_name)" null
other=$conv
conv=$main

step "timers with State"
api POST /v1/Conversations -d State=active -d Timers.Inactive=PT1M -d Timers.Closed=PT10M
expect 201
[ "$(field .timers.date_inactive)" != null ] || t_fail "$what: no date_inactive: $body"
[ "$(field .timers.date_closed)" != null ] || t_fail "$what: no date_closed: $body"

step "fetch by SID and by UniqueName"
api GET "/v1/Conversations/$conv"
expect 200
same "$(field .sid)" "$conv"
api GET "/v1/Conversations/postmask%3Alisting-1"
expect 200
same "$(field .sid)" "$conv"

step "update"
api POST "/v1/Conversations/$conv" --data-urlencode "FriendlyName=Unit 5C" \
    --data-urlencode 'Attributes={"listing":2}' -d State=inactive
expect 200
same "$(field .friendly_name)" "Unit 5C"
same "$(field .attributes)" '{"listing":2}'
same "$(field .state)" inactive
same "$(field .unique_name)" "postmask:listing-1"
step "update keeping its own UniqueName"
api POST "/v1/Conversations/$conv" --data-urlencode "UniqueName=postmask:listing-1"
expect 200

step "list, and list by State"
api GET /v1/Conversations
expect 200
same "$(field '.conversations | length')" 3
same "$(field .meta.key)" conversations
same "$(field .meta.page)" 0
same "$(field .meta.page_size)" 50
same "$(field .meta.next_page_url)" null
api GET "/v1/Conversations?State=inactive"
expect 200
same "$(field '[.conversations[].sid] | join(",")')" "$conv"

# Participants.
step "an SMS participant"
api POST "/v1/Conversations/$conv/Participants" \
    --data-urlencode "MessagingBinding.Address=+15558675310" \
    --data-urlencode "MessagingBinding.ProxyAddress=+15017122661" \
    --data-urlencode 'Attributes={"role":"seeker"}'
expect 201
sms=$(field .sid)
case $sms in MB*) ;; *) t_fail "$what: SID $sms" ;; esac
same "$(field .conversation_sid)" "$conv"
same "$(field .identity)" null
same "$(field .messaging_binding.type)" sms
same "$(field .messaging_binding.address)" "+15558675310"
same "$(field .messaging_binding.proxy_address)" "+15017122661"
same "$(field .attributes)" '{"role":"seeker"}'
same "$(field '.role_sid | startswith("RL")')" true
same "$(field .last_read_message_index)" null
same "$(field .url)" "$U/v1/Conversations/$conv/Participants/$sms"

step "a WhatsApp participant"
api POST "/v1/Conversations/$conv/Participants" \
    --data-urlencode "MessagingBinding.Address=whatsapp:+15558675311" \
    --data-urlencode "MessagingBinding.ProxyAddress=whatsapp:+15017122661"
expect 201
same "$(field .messaging_binding.type)" whatsapp

step "a chat participant"
api POST "/v1/Conversations/$conv/Participants" --data-urlencode "Identity=bc-1@example.com"
expect 201
chat=$(field .sid)
same "$(field .identity)" "bc-1@example.com"
same "$(field .messaging_binding)" null
same "$(field .attributes)" "{}"

step "list participants, and one page of one"
api GET "/v1/Conversations/$conv/Participants"
expect 200
same "$(field '.participants | length')" 3
same "$(field .meta.key)" participants
api GET "/v1/Conversations/$conv/Participants?PageSize=1"
expect 200
same "$(field '.participants | length')" 1
same "$(field .meta.next_page_url)" "$U/v1/Conversations/$conv/Participants?PageSize=1&Page=1&PageToken=PT1"

step "fetch a participant by SID and by identity"
api GET "/v1/Conversations/$conv/Participants/$sms"
expect 200
same "$(field .sid)" "$sms"
api GET "/v1/Conversations/$conv/Participants/bc-1%40example.com"
expect 200
same "$(field .sid)" "$chat"

step "update a participant"
api POST "/v1/Conversations/$conv/Participants/$chat" --data-urlencode 'Attributes={"role":"bc"}' \
    -d LastReadMessageIndex=0
expect 200
same "$(field .attributes)" '{"role":"bc"}'
same "$(field .last_read_message_index)" 0

# Messages.
step "a system message"
api POST "/v1/Conversations/$conv/Messages" --data-urlencode "Body=Welcome"
expect 201
m0=$(field .sid)
case $m0 in IM*) ;; *) t_fail "$what: SID $m0" ;; esac
same "$(field .author)" system
same "$(field .participant_sid)" null
same "$(field .index)" 0
same "$(field .body)" Welcome
same "$(field .media)" null
same "$(field .attributes)" "{}"
same "$(field .delivery.total)" 2
same "$(field .url)" "$U/v1/Conversations/$conv/Messages/$m0"
step "a message by a participant"
api POST "/v1/Conversations/$conv/Messages" --data-urlencode "Author=bc-1@example.com" \
    --data-urlencode "Body=Hi – is 4B free?" --data-urlencode 'Attributes={"email_message_id":"<m1@x>"}'
expect 201
same "$(field .author)" "bc-1@example.com"
same "$(field .participant_sid)" "$chat"
same "$(field .index)" 1
same "$(field .body)" "Hi – is 4B free?"
same "$(field .attributes)" '{"email_message_id":"<m1@x>"}'
m1=$(field .sid)
step "fetch a message"
api GET "/v1/Conversations/$conv/Messages/$m1"
expect 200
same "$(field .sid)" "$m1"

step "pagination of messages"
for i in 2 3 4; do
    api POST "/v1/Conversations/$conv/Messages" -d "Body=m$i"
    expect 201
done
api GET "/v1/Conversations/$conv/Messages?PageSize=2"
expect 200
same "$(field '[.messages[].index] | join(",")')" "0,1"
same "$(field .meta.page_size)" 2
same "$(field .meta.previous_page_url)" null
same "$(field .meta.first_page_url)" "$U/v1/Conversations/$conv/Messages?PageSize=2&Page=0"
next=$(field .meta.next_page_url)
same "$next" "$U/v1/Conversations/$conv/Messages?PageSize=2&Page=1&PageToken=PT2"
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" "$next")
body=$(cat "$T_WORK/body")
expect 200
same "$(field '[.messages[].index] | join(",")')" "2,3"
same "$(field .meta.page)" 1
[ "$(field .meta.previous_page_url)" != null ] || t_fail "$what: no previous_page_url"
next=$(field .meta.next_page_url)
code=$(curl -s -o "$T_WORK/body" -w '%{http_code}' -u "$T_STANDIN_ACCOUNT:$T_STANDIN_TOKEN" "$next")
body=$(cat "$T_WORK/body")
expect 200
same "$(field '[.messages[].index] | join(",")')" "4"
same "$(field .meta.next_page_url)" null
step "newest first"
api GET "/v1/Conversations/$conv/Messages?Order=desc&PageSize=3"
expect 200
same "$(field '[.messages[].index] | join(",")')" "4,3,2"
same "$(field .meta.next_page_url)" "$U/v1/Conversations/$conv/Messages?Order=desc&PageSize=3&Page=1&PageToken=PT3"
step "a page token the stand-in never gave"
api GET "/v1/Conversations/$conv/Messages?PageToken=xyz"
expect 400 20001 PageToken

# Media.
step "upload media"
printf 'GIF89a\001\000\001\000\000\377\000,' > "$T_WORK/pic.gif"
api POST /v1/Services/IS00000000000000000000000000000000/Media \
    -H "Content-Type: image/gif" --data-binary "@$T_WORK/pic.gif"
expect 201
media=$(field .sid)
case $media in ME*) ;; *) t_fail "$what: SID $media" ;; esac
same "$(field .size)" "$(wc -c < "$T_WORK/pic.gif" | tr -d ' ')"
same "$(field .content_type)" image/gif
same "$(field .service_sid)" IS00000000000000000000000000000000
same "$(field .account_sid)" "$T_STANDIN_ACCOUNT"
same "$(field .message_sid)" null
same "$(field .links.content)" "$U/v1/Services/IS00000000000000000000000000000000/Media/$media/Content"
step "media metadata and content"
api GET "/v1/Services/IS00000000000000000000000000000000/Media/$media"
expect 200
same "$(field .sid)" "$media"
api GET "/v1/Services/IS00000000000000000000000000000000/Media/$media/Content"
expect 200
cmp -s "$T_WORK/body" "$T_WORK/pic.gif" || t_fail "$what: content differs"
echo "$headers" | grep -qi '^Content-Type: image/gif' || t_fail "$what: content type: $headers"
step "attach media to a message"
api POST "/v1/Conversations/$conv/Messages" -d "MediaSid=$media"
expect 201
same "$(field '.media[0].sid')" "$media"
same "$(field '.media[0].content_type')" image/gif
same "$(field '.media[0].size')" "$(wc -c < "$T_WORK/pic.gif" | tr -d ' ')"
same "$(field .body)" null
mm=$(field .sid)
api GET "/v1/Services/IS00000000000000000000000000000000/Media/$media"
same "$(field .message_sid)" "$mm"
same "$(field .channel_sid)" "$conv"
step "attach the same media twice"
api POST "/v1/Conversations/$conv/Messages" -d "MediaSid=$media"
expect 400 20001 "already attached"
step "attach unknown media"
api POST "/v1/Conversations/$conv/Messages" -d "MediaSid=ME0123456789abcdef0123456789abcdef"
expect 400 20001 MediaSid
step "upload without a body or a type"
api POST /v1/Services/IS00000000000000000000000000000000/Media -H "Content-Type: image/gif"
expect 400 20001 "body is empty"
api POST /v1/Services/IS00000000000000000000000000000000/Media -H "Content-Type:" --data-binary "@$T_WORK/pic.gif"
expect 400 20001 Content-Type
step "media of another service"
api GET "/v1/Services/IS11111111111111111111111111111111/Media/$media"
expect 404 20404
step "unknown media"
api GET "/v1/Services/IS00000000000000000000000000000000/Media/ME0123456789abcdef0123456789abcdef/Content"
expect 404 20404

# Unknown things.
step "unknown conversation, participant, message"
api GET /v1/Conversations/CH0123456789abcdef0123456789abcdef
expect 404 20404 "/v1/Conversations/CH0123456789abcdef0123456789abcdef was not found"
api POST /v1/Conversations/nope/Messages -d Body=x
expect 404 20404
api GET "/v1/Conversations/$conv/Participants/MB0123456789abcdef0123456789abcdef"
expect 404 20404
api DELETE "/v1/Conversations/$conv/Participants/bc-1%40example.com"
expect 404 20404
api GET "/v1/Conversations/$conv/Messages/IM0123456789abcdef0123456789abcdef"
expect 404 20404
step "an unknown path"
api GET /v2/Conversations
expect 404 20404
step "a Twilio path the stand-in does not implement"
api GET "/v1/Conversations/$conv/Webhooks"
expect 404 20404 "does not implement"
step "a method the path does not take"
api DELETE /v1/Conversations
expect 405 20004

# Deleting.
step "delete a participant and a conversation"
api DELETE "/v1/Conversations/$conv/Participants/$chat"
expect 204
[ -z "$body" ] || t_fail "$what: 204 with a body"
api GET "/v1/Conversations/$conv/Participants/$chat"
expect 404 20404
api DELETE "/v1/Conversations/$other"
expect 204
api GET "/v1/Conversations/$other"
expect 404 20404

# The control side.
step "the request log"
ctl GET /_standin/requests
expect 200
same "$(field '.requests[0] | [.method, .path, (.operation|tostring), (.status|tostring), (.webhook_enabled|tostring)] | join(" ")')" \
    "GET /v1/Conversations null 401 null"
same "$(field '[.requests[] | select(.operation == "create_message" and .status == 201)] | length')" 6
same "$(field '[.requests[] | select(.path | startswith("/_standin"))] | length')" 0
grep -q "POST /v1/Conversations -> 201 op=create_conversation" "$T_STANDIN_LOG" \
    || t_fail "$what: no log line per request"
step "the conversations listing"
ctl GET /_standin/conversations
expect 200
same "$(field '.conversations[0].participants | length')" 2
step "reset"
ctl POST /_standin/reset
expect 204
ctl GET /_standin/conversations
same "$(field '.conversations | length')" 0
ctl GET /_standin/requests
same "$(field '.requests | length')" 0
api GET "/v1/Conversations/$conv"
expect 404 20404

step "stop"
t_standin_stop
t_pass
