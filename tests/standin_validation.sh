#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio stand-in validates every request against the parameter table
# derived from Twilio's OpenAPI description: unknown form and query
# parameters, wrong enum values, malformed booleans, integers (and their
# range), ISO 8601 dates and durations, SID patterns, repeated
# non-array parameters, missing required parameters (on paths it does not
# implement, too), bad and misplaced X-Twilio-Webhook-Enabled headers,
# malformed bodies and query strings: each gets 400 with Twilio error 20001
# and a message naming the parameter, and changes nothing.
. "$SRC/tests/lib.sh"
. "$SRC/tests/standin_lib.sh"

dir=$(t_tmpdir standin-validation)
t_standin_start "$dir"
IS=IS00000000000000000000000000000000

new_conversation -d FriendlyName=base
api POST "/v1/Conversations/$conv/Participants" --data-urlencode Identity=alice
expect 201
part=$(field .sid)

# refused EXPECTED_MESSAGE_PART METHOD PATH CURL_ARGS...
refused() {
    sv_msg=$1
    shift
    step "refused: $*"
    api "$@"
    expect 400 20001 "$sv_msg"
}

refused "Unknown parameter Bogus" POST /v1/Conversations -d Bogus=1
refused "Unknown parameter Identity" POST /v1/Conversations -d Identity=x
refused "Unknown parameter friendlyname" POST /v1/Conversations -d friendlyname=x
refused "Invalid parameter State: 'open' is not one of initializing, inactive, active, closed" \
    POST /v1/Conversations -d State=open
refused "Invalid parameter State: 'Active'" POST "/v1/Conversations/$conv" -d State=Active
refused "Invalid query parameter Order: 'sideways'" GET "/v1/Conversations/$conv/Messages?Order=sideways"
refused "Invalid query parameter State" GET "/v1/Conversations?State=gone"
refused "Invalid header X-Twilio-Webhook-Enabled: 'yes' is not one of true, false" \
    POST "/v1/Conversations/$conv/Messages" -d Body=x -H "X-Twilio-Webhook-Enabled: yes"
refused "Invalid header X-Twilio-Webhook-Enabled: 'True'" \
    POST "/v1/Conversations/$conv/Messages" -d Body=x -H "X-Twilio-Webhook-Enabled: True"
refused "Invalid header X-Twilio-Webhook-Enabled: ''" \
    POST /v1/Conversations -H "X-Twilio-Webhook-Enabled;"
refused "Unexpected header X-Twilio-Webhook-Enabled" \
    GET /v1/Conversations -H "X-Twilio-Webhook-Enabled: true"
refused "Unexpected header X-Twilio-Webhook-Enabled" \
    GET "/v1/Conversations/$conv/Messages" -H "X-Twilio-Webhook-Enabled: false"
refused "Invalid query parameter PageSize: 'abc' is not an integer" \
    GET "/v1/Conversations?PageSize=abc"
refused "Invalid query parameter PageSize: 0 is out of range, minimum 1, maximum 100" \
    GET "/v1/Conversations/$conv/Messages?PageSize=0"
refused "Invalid query parameter PageSize: 101 is out of range" \
    GET "/v1/Conversations/$conv/Participants?PageSize=101"
refused "Invalid query parameter Page: -1 is out of range" GET "/v1/Conversations?Page=-1"
refused "Invalid parameter LastReadMessageIndex: '1.5' is not an integer" \
    POST "/v1/Conversations/$conv/Participants/$part" -d LastReadMessageIndex=1.5
refused "Invalid parameter DateCreated: 'yesterday' is not an ISO 8601 date-time" \
    POST /v1/Conversations -d DateCreated=yesterday
refused "Invalid parameter DateUpdated: '2015-13-16T22:18:37Z'" \
    POST "/v1/Conversations/$conv/Messages" -d Body=x -d DateUpdated=2015-13-16T22:18:37Z
refused "Invalid parameter Timers.Closed: '10m' is not an ISO 8601 duration" \
    POST /v1/Conversations -d State=active -d Timers.Closed=10m
refused "Invalid parameter Timers.Inactive: 'PT'" POST "/v1/Conversations/$conv" -d Timers.Inactive=PT
refused "Invalid parameter MessagingServiceSid" POST /v1/Conversations -d MessagingServiceSid=MG123
refused "Invalid parameter RoleSid: 'RLzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' does not match" \
    POST "/v1/Conversations/$conv/Participants/$part" -d RoleSid=RLzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz
refused "Invalid parameter MediaSid" POST "/v1/Conversations/$conv/Messages" -d MediaSid=IM0123456789abcdef0123456789abcdef
refused "Invalid parameter FriendlyName: given more than once" \
    POST /v1/Conversations -d FriendlyName=a -d FriendlyName=b
refused "Invalid parameter NewMessage.Enabled: 'yes' is not true or false" \
    POST "/v1/Services/$IS/Configuration/Notifications" -d NewMessage.Enabled=yes
refused "Invalid parameter PostWebhookUrl: 'ftp://x' is not an http(s) URL" \
    POST "/v1/Services/$IS/Configuration/Webhooks" -d PostWebhookUrl=ftp://x
refused "Missing required parameter FriendlyName" POST /v1/Services
refused "Missing required parameter Target" POST "/v1/Conversations/$conv/Webhooks" -d Configuration.Url=http://x/
refused "Invalid parameter Target: 'pigeon'" POST "/v1/Conversations/$conv/Webhooks" -d Target=pigeon
refused "Unknown query parameter Foo" GET "/v1/Conversations?Foo=1"
refused "Unknown query parameter FriendlyName" POST "/v1/Conversations?FriendlyName=x"
refused "Malformed form body: malformed percent-escape at byte 13" \
    POST /v1/Conversations --data-binary "FriendlyName=%zz"
refused "Malformed form body: NUL byte (%00)" POST /v1/Conversations --data-binary "FriendlyName=a%00b"
refused "Malformed query string" GET "/v1/Conversations?PageSize=%2"
refused "Invalid Content-Type application/json" \
    POST /v1/Conversations -H "Content-Type: application/json" --data-binary '{"FriendlyName":"x"}'
refused "Unknown query parameter FileName" POST "/v1/Services/$IS/Media?FileName=x.gif" \
    -H "Content-Type: image/gif" --data-binary "GIF89a"
refused "Unexpected header X-Twilio-Webhook-Enabled" POST "/v1/Services/$IS/Media" \
    -H "Content-Type: image/gif" -H "X-Twilio-Webhook-Enabled: true" --data-binary "GIF89a"

step "valid requests on paths the stand-in does not implement pass validation"
api POST "/v1/Conversations/$conv/Webhooks" -d Target=webhook -d Configuration.Url=http://x/ \
    -d Configuration.Filters=onMessageAdded -d Configuration.Filters=onMessageUpdated
expect 404 20404 "does not implement"
api POST "/v1/Services/$IS/Configuration/Notifications" -d NewMessage.Enabled=true
expect 404 20404 "does not implement"
api GET "/v1/Services/$IS/Configuration/Notifications" -H "X-Twilio-Webhook-Enabled: true"
expect 400 20001 "Unexpected header"

step "what the spec allows is accepted"
api POST /v1/Conversations -d State=inactive -d Timers.Inactive=P1DT2H -d Timers.Closed=P2W \
    -d DateCreated=2015-12-16T22:18:37Z --data-urlencode DateUpdated=2015-12-16T22:18:38.123+01:00 \
    -d MessagingServiceSid=MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -H "X-Twilio-Webhook-Enabled: false"
expect 201
same "$(field .date_created)" 2015-12-16T22:18:37Z
same "$(field .messaging_service_sid)" MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
api GET "/v1/Conversations/$conv/Messages?Order=desc&PageSize=100&Page=0"
expect 200
api POST "/v1/Conversations/$conv/Participants/$part" -d LastReadMessageIndex=null
expect 200
same "$(field .last_read_message_index)" null

step "refused requests changed nothing"
ctl GET /_standin/conversations
same "$(field '.conversations | length')" 2
same "$(field '.conversations[0].friendly_name')" base
ctl GET "/_standin/conversations/$conv/messages"
same "$(field '.messages | length')" 0
ctl GET /_standin/requests
same "$(field '[.requests[] | select(.status == 400)] | length')" 39

t_standin_stop
t_pass
