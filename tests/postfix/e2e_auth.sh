#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# e2e_auth - only the building contact speaks as the building contact.
#
# The whole chain (e2e_lib.sh) with the recommended MX verifier stack
# (verifiers.sh: OpenDKIM verifying, OpenDMARC with its own SPF check, our
# authserv-id stripped from incoming mail) and dnsmasq serving the test
# domains' DKIM keys, SPF and DMARC records.  Each reply below goes to a
# proxy address through the real MX; the assertions are on what the
# conversation shows (the stand-in), on postmaskctl queue and on the logs:
#
#   posted as the contact             held (unauthenticated_sender_action = hold)
#   -------------------------------   ------------------------------------------
#   signed by the contact's server    the same text from eve's server
#     (d=building.example: dmarc)       (signed d=evil.example: dmarc=fail)
#   from the contact's server, its    From forged from a host SPF does not name,
#     domain in other letter case       with a forged "A-R: <our id>; dmarc=pass"
#   SPF alone aligns (spfonly.example,  BOB@Building.Example, a comment in the
#     DMARC p=reject, no DKIM key)      address, a Sender: eve (all forged)
#   no DMARC record (nodmarc.example):  the contact's own domain, another
#     aligned DKIM, or aligned SPF      local part (BOB@building.example)
#                                     no DMARC record and nothing aligned
# Then postmaskctl queue release posts a held reply.
. "$SRC/tests/postfix/e2e_lib.sh"

e2e_setup

# conv ID EMAIL: a conversation between Ann and the contact ID with EMAIL;
# sets SID and PROXY.
conv() {
    # One seeker per conversation: the stand-in has one SMS proxy number.
    jq -n --arg id "$1" --arg email "$2" --arg sms "+1415555013${1##*-}" '{
        seeker: {id: ("s-" + $id), name: "Ann Seeker", email: "ann.auth@seeker.example",
                 sms: $sms},
        building_contact: {id: $id, name: "Bob Builder", email: $email},
        listing: {id: "L-9", title: "Unit 9, 1 Quay St"}}' > "$T_WORK/conv.json"
    code=$(curl -s -o "$T_WORK/conv.out" -w '%{http_code}' \
        -H "Authorization: Bearer $API_TOKEN" --data-binary @"$T_WORK/conv.json" \
        "$T_BRIDGE_URL/v1/conversations")
    [ "$code" = 201 ] || t_fail "start $1: HTTP $code: $(cat "$T_WORK/conv.out")"
    SID=$(jq -r .conversation_sid "$T_WORK/conv.out")
    PROXY=$(jq -r .proxy_address "$T_WORK/conv.out")
    HOLDS=0
}

# body N TEXT [HEADER...]: a reply body file with extra header lines.
body() {
    f=$T_WORK/body.$1
    t=$2
    shift 2
    {
        for h in "$@"; do printf '%s\n' "$h"; done
        echo "Subject: Re: Unit 9"
        echo "Message-ID: <$(basename "$f").$$@auth.test>"
        echo
        printf '%s\n' "$t"
    } > "$f"
    echo "$f"
}

posted_count() { count=$(message_count); [ "$count" = "$1" ]; }
last_message() { messages | jq -c '.messages[-1]'; }

# expect_posted N TEXT METHOD: the conversation now holds N messages, the
# last one TEXT authored by the contact and authenticated by METHOD.
expect_posted() {
    wait_for "\"$2\" to be posted" posted_count "$1"
    M=$(last_message)
    [ "$(printf '%s\n' "$M" | jq -r .body)" = "$2" ] || t_fail "posted body: $M"
    [ "$(printf '%s\n' "$M" | jq -r .author)" = "$AUTHOR" ] || t_fail "author: $M"
    [ "$(printf '%s\n' "$M" | jq -r '.attributes | fromjson | .postmask.authenticated')" = "$3" ] \
        || t_fail "\"$2\" was not authenticated by $3: $M"
}

# expect_held TEXT REASON: a job for this conversation is held with REASON
# (a fixed string) and nothing new is posted.  HOLDS counts the
# conversation's holds so far.
expect_held() {
    HOLDS=$((HOLDS + 1))
    before=$(message_count)
    wait_for "\"$1\" to be held" sh -c "[ \$(grep -c 'held: capture: $SID: reply not posted' '$T_BRIDGE_LOG') -ge $HOLDS ]"
    grep "held: capture: $SID: reply not posted" "$T_BRIDGE_LOG" | tail -1 | grep -qF -- "$2" \
        || t_fail "\"$1\" held, but not because \"$2\": $(grep "held: capture: $SID" "$T_BRIDGE_LOG" | tail -1)"
    "$BIN/postmaskctl" -c "$PF_PM_DIR" queue list > "$T_WORK/queue"
    grep -F -- "$2" "$T_WORK/queue" | grep -q hold \
        || t_fail "postmaskctl queue does not show why \"$1\" is held: $(cat "$T_WORK/queue")"
    [ "$(message_count)" = "$before" ] || t_fail "\"$1\" was posted: $(last_message)"
}

AUTHOR=bc_bc-auth-1
conv bc-auth-1 bob@building.example
BOB="Bob Builder <bob@building.example>"

# Signed by the contact's own server: DKIM and DMARC pass.
vf_send_signed "$BOB" bob@building.example "$PROXY" "$(body 1 'Signed: Monday works.')"
expect_posted 1 "Signed: Monday works." dmarc

# The same text from eve's server (it signs as evil.example): dmarc=fail.
vf_send_signed "$BOB" eve@evil.example "$PROXY" "$(body 2 'Pay the deposit to IBAN XX00.')" eve
expect_held "eve's server" "dmarc=fail header.from=building.example"

# Straight from a host SPF does not name, with forged trusted A-R headers:
# the MX strips them, so they cannot help.
vf_send_direct "$BOB" eve@evil.example "$PROXY" "$(body 3 'Forged A-R: pay now.' \
    'Authentication-Results: mx.postmask.test; dmarc=pass (p=reject) header.from=building.example' \
    'Authentication-Results: MX.Postmask.Test (ours!); dkim=pass header.d=building.example;
	spf=pass smtp.mailfrom=building.example')"
[ "$PF_SWAKS_RC" = 0 ] || t_fail "the MX refused the forged reply: $(cat "$PF_SWAKS_LOG")"
expect_held "forged Authentication-Results" "dmarc=fail header.from=building.example"
# The capture itself never saw them.
found=
for id in $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list | awk '/hold/ { print $1 }'); do
    "$BIN/postmaskctl" -c "$PF_PM_DIR" queue show "$id" > "$T_WORK/show" 2>&1 || continue
    grep -q 'Forged A-R: pay now' "$T_WORK/show" || continue
    found=$id
    grep -qi 'ours!' "$T_WORK/show" && t_fail "a forged Authentication-Results reached the capture: $(grep -i 'ours!' "$T_WORK/show")"
    grep -q 'dmarc=fail' "$T_WORK/show" || t_fail "the MX's own dmarc=fail is not in the capture"
done
[ -n "$found" ] || t_fail "no held job holds the forged reply"

# Letter case, a comment, a Sender: all forged from a stranger's host.
# (Another local part is another mailbox, whatever its domain says.)
for variant in "From: Bob <BOB@Building.Example>|upper|the From address is not the building contact's" \
               "From: bob@building.example (Bob Builder)|comment|dmarc=fail header.from=building.example" \
               "From: $BOB
Sender: eve@evil.example|sender|dmarc=fail header.from=building.example"; do
    reason=${variant##*|}
    rest=${variant%|*}
    hdr=${rest%|*}
    name=${rest##*|}
    vf_send_direct "$BOB" eve@evil.example "$PROXY" "$(body "v-$name" "Forged $name." "$hdr")"
    [ "$PF_SWAKS_RC" = 0 ] || t_fail "the MX refused the $name variant: $(cat "$PF_SWAKS_LOG")"
    expect_held "forged $name" "$reason"
done

# From the contact's server, the domain in other letter case: theirs.
vf_send_direct "Bob <bob@Building.EXAMPLE>" bob@building.example "$PROXY" \
    "$(body 5 'Case: see you Monday.')" "$VF_CONTACT_IP"
expect_posted 2 "Case: see you Monday." dmarc

# The contact's domain authenticates, but another mailbox of it wrote.
vf_send_direct "Bob <BOB@building.example>" bob@building.example "$PROXY" \
    "$(body 6 'Another mailbox.')" "$VF_CONTACT_IP"
expect_held "another local part" "the From address is not the building contact's"

# SPF alone aligns: spfonly.example has no DKIM key, DMARC p=reject.
AUTHOR=bc_bc-auth-2
conv bc-auth-2 carol@spfonly.example
vf_send_direct "Carol <carol@spfonly.example>" carol@spfonly.example "$PROXY" \
    "$(body 7 'SPF only: yes, 9 is free.')" "$VF_CONTACT_IP"
expect_posted 1 "SPF only: yes, 9 is free." dmarc
vf_send_direct "Carol <carol@spfonly.example>" carol@spfonly.example "$PROXY" \
    "$(body 8 'SPF only, forged.')"
expect_held "spfonly.example forged" "dmarc=fail header.from=spfonly.example"

# No DMARC record at all: an aligned DKIM or SPF pass is needed.
AUTHOR=bc_bc-auth-3
conv bc-auth-3 dan@nodmarc.example
vf_send_signed "Dan <dan@nodmarc.example>" bounce-dan@mail.nodmarc.example "$PROXY" \
    "$(body 9 'No DMARC, signed.')"
expect_posted 1 "No DMARC, signed." dkim
vf_send_direct "Dan <dan@nodmarc.example>" dan@nodmarc.example "$PROXY" \
    "$(body 10 'No DMARC, SPF.')" "$VF_CONTACT_IP"
expect_posted 2 "No DMARC, SPF." spf
vf_send_direct "Dan <dan@nodmarc.example>" dan@nodmarc.example "$PROXY" \
    "$(body 11 'No DMARC, nothing aligned.')"
expect_held "nodmarc.example forged" "no DMARC, aligned DKIM or aligned SPF pass for nodmarc.example"

# The admin looks at a held reply and releases it: posted, marked unverified.
id=$("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list | awk '/hold/ && /nodmarc.example/ { print $1; exit }')
[ -n "$id" ] || t_fail "no held job to release: $("$BIN/postmaskctl" -c "$PF_PM_DIR" queue list)"
"$BIN/postmaskctl" -c "$PF_PM_DIR" queue release "$id" > "$T_WORK/release" 2>&1 \
    || t_fail "release $id: $(cat "$T_WORK/release")"
wait_for "the released reply" posted_count 3
M=$(last_message)
[ "$(printf '%s\n' "$M" | jq -r .body)" = "No DMARC, nothing aligned." ] || t_fail "released: $M"
printf '%s\n' "$M" | jq -r '.attributes | fromjson | .postmask.unverified' | grep -q "no DMARC" \
    || t_fail "the released reply is not marked unverified: $M"

# Nothing of this reached anyone as the contact but what passed.
t_bridge_stop
t_pass
