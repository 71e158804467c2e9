#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# outbound_mask - the masking listener of a real Postfix with postmask-milter:
# a seeker's message to a building contact leaves with the conversation's
# proxy address as envelope sender (with a bounce tag) and From, the display
# name kept, the seeker's address nowhere in the delivered bytes (any letter
# case), and the body byte-identical (mask_bodies = no) or masked but
# otherwise identical (mask_bodies = yes).  Over SMTP (swaks) and through sendmail(1) (pickup,
# non_smtpd_milters).  Refusals: no X-Postmask-Conversation header, a
# malformed SID, a leak the rewrite cannot fix; an unmasked sender passes;
# with the milter stopped Postfix tempfails and delivers nothing.
. "$SRC/tests/lib.sh"
. "$SRC/tests/postfix/harness.sh"

pf_setup
pf_start
pf_milter_start || t_fail "the milter did not start: $(cat "$PF_MILTER_LOG")"

sid=CH0123456789abcdef0123456789abcdef
proxy=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid) || t_fail "encode"
seeker=sam.seeker@gmail.example

# message FILE SUBJECT BODY-EXTRA [CONVERSATION-HEADER]: a seeker's message as
# the bridge (or the application) submits it.
message() {
    {
        printf 'From: Sam Seeker <%s>\r\n' "$seeker"
        printf 'To: Bob Building <bob@building.example>\r\n'
        printf 'Cc: "Seeker, Sam" <SAM.Seeker@Gmail.Example>\r\n'
        printf 'Reply-To: %s\r\n' "$seeker"
        printf 'Subject: %s\r\n' "$2"
        printf 'Message-ID: <IM%s@reply.example.com>\r\n' "$(basename "$1")"
        printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n'
        [ "${4-X-Postmask-Conversation: $sid}" = "" ] || printf '%s\r\n' "${4-X-Postmask-Conversation: $sid}"
        printf 'X-Originating-IP: [198.51.100.7]\r\n'
        printf 'MIME-Version: 1.0\r\n'
        printf 'Content-Type: text/plain; charset=utf-8\r\n'
        printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
        printf 'Hello Bob,\r\n\r\nis the office at 12 Main St still available?\r\n'
        printf "$3"    # (escapes: \r\n)
        printf '\r\nSam'   # no final CRLF: swaks adds one
    } > "$1"
}

# body FILE: the body of a message file (after the first empty line), LF,
# with the final line end swaks adds.
body() {
    { tr -d '\r' < "$1"; echo; } | sed '1,/^$/d'
}

# deliver_new: waits for one more dump than before and sets $dump to it.
seen=0
seen_files=
deliver_new() {
    seen=$((seen + 1))
    pf_wait_delivered $seen || t_fail "nothing was delivered: $(pf_log | tail -5)"
    for f in $(pf_sink_files); do
        case " $seen_files " in
            *" $f "*) ;;
            *) dump=$f; seen_files="$seen_files $f"; return 0 ;;
        esac
    done
    t_fail "no new dump"
}

# tagged_sender ADDRESS: is it the proxy address with today's (or, just
# after midnight, yesterday's) bounce tag, computed independently?
tagged_sender() {
    [ "$1" = "$(python3 "$SRC/tests/bounce_tag.py" "$PF_PM_KEYS" "$proxy")" ] \
        || [ "$1" = "$(python3 "$SRC/tests/bounce_tag.py" "$PF_PM_KEYS" "$proxy" -1)" ]
}

# check_masked DUMP: the seeker's address nowhere; proxy as envelope sender,
# From (display name kept), Reply-To; submitter headers gone.
check_masked() {
    grep -qi "sam.seeker@gmail.example" "$1" && t_fail "the seeker's address was delivered: $(cat "$1")"
    grep -qi "gmail.example" "$1" && t_fail "the seeker's domain was delivered: $(cat "$1")"
    tagged_sender "$(pf_sink_mail_from "$1")" \
        || t_fail "envelope sender is [$(pf_sink_mail_from "$1")], want the proxy address with a bounce tag"
    pf_sink_message "$1" > "$T_WORK/delivered"
    grep -q "^From: Sam Seeker <$proxy>\$" "$T_WORK/delivered" \
        || t_fail "From is not the proxy with the display name: $(grep '^From:' "$T_WORK/delivered")"
    grep -q "^Reply-To: $proxy\$" "$T_WORK/delivered" \
        || t_fail "Reply-To: $(grep '^Reply-To:' "$T_WORK/delivered")"
    grep -q "^Cc: \"Seeker, Sam\" <$proxy>\$" "$T_WORK/delivered" \
        || t_fail "Cc: $(grep '^Cc:' "$T_WORK/delivered")"
    grep -q '^To: Bob Building <bob@building.example>$' "$T_WORK/delivered" || t_fail "To was changed"
    grep -qi '^X-Postmask-' "$T_WORK/delivered" && t_fail "an X-Postmask header was delivered"
    grep -qi '^X-Originating-IP' "$T_WORK/delivered" && t_fail "X-Originating-IP was delivered"
    [ "$(pf_sink_rcpts "$1")" = bob@building.example ] || t_fail "recipients changed"
}

# 1. SMTP, mask_bodies = no: masked headers, body byte-identical.
message "$T_WORK/m1" "Office at 12 Main St" ""
pf_swaks_expect 0 masking --from "$seeker" --to bob@building.example --data "$T_WORK/m1"
deliver_new
check_masked "$dump"
pf_sink_message "$dump" | sed '1,/^$/d' > "$T_WORK/got-body"
body "$T_WORK/m1" > "$T_WORK/want-body"
cmp -s "$T_WORK/got-body" "$T_WORK/want-body" || t_fail "the body changed: $(diff "$T_WORK/want-body" "$T_WORK/got-body")"
grep -q ": masked: conversation $sid, 3 address(es) rewritten: " "$PF_MILTER_LOG" \
    || t_fail "no masked log line: $(cat "$PF_MILTER_LOG")"
grep -i "gmail.example" "$PF_MILTER_LOG" && t_fail "the milter logged the seeker's address"

# 2. sendmail(1) through pickup, with the masking daemon name.
pf_postconf -e "non_smtpd_milters = $PF_MILTER_SPEC" "milter_macro_daemon_name = $PF_MASKING_DAEMON_NAME"
pf_reload
message "$T_WORK/m2" "Office at 12 Main St (sendmail)" ""
pf_sendmail -f "$seeker" bob@building.example < "$T_WORK/m2" || t_fail "sendmail failed"
deliver_new
check_masked "$dump"

# 3. mask_bodies = yes: the signature's address is masked, the rest of the
#    body identical.
pf_pmconf -e 'mask_bodies = yes'
pf_milter_stop 1
pf_milter_start || t_fail "the milter did not restart: $(cat "$PF_MILTER_LOG")"
message "$T_WORK/m3" "Office (signed)" "-- \r\nSam Seeker <SAM.SEEKER@gmail.example>\r\n"
pf_swaks_expect 0 masking --from "$seeker" --to bob@building.example --data "$T_WORK/m3"
deliver_new
check_masked "$dump"
pf_sink_message "$dump" | sed '1,/^$/d' > "$T_WORK/got-body"
body "$T_WORK/m3" | sed "s/SAM.SEEKER@gmail.example/$proxy/" > "$T_WORK/want-body"
cmp -s "$T_WORK/got-body" "$T_WORK/want-body" \
    || t_fail "the masked body differs: $(diff "$T_WORK/want-body" "$T_WORK/got-body")"
delivered=$seen

# 4. Refusals, none delivered.
message "$T_WORK/m4" "No conversation" "" ""
pf_swaks masking --from "$seeker" --to bob@building.example --data "$T_WORK/m4"
pf_swaks_saw '^<\*\* +550 5\.7\.1 Message refused: no X-Postmask-Conversation header' \
    || t_fail "no 550 without the header: $(cat "$PF_SWAKS_LOG")"
message "$T_WORK/m5" "Bad SID" "" "X-Postmask-Conversation: CH123"
pf_swaks masking --from "$seeker" --to bob@building.example --data "$T_WORK/m5"
pf_swaks_saw '^<\*\* +550 5\.7\.1 Message refused: X-Postmask-Conversation is not a conversation SID' \
    || t_fail "no 550 for a malformed SID: $(cat "$PF_SWAKS_LOG")"
message "$T_WORK/m6" "Write to $seeker" ""
pf_swaks masking --from "$seeker" --to bob@building.example --data "$T_WORK/m6"
pf_swaks_saw '^<\*\* +550 5\.7\.1 Message refused: the sender.s address would remain in the Subject header' \
    || t_fail "no 550 for a leak in the Subject: $(cat "$PF_SWAKS_LOG")"

# 5. An unmasked sender (the application's no-reply mail) passes as it is.
pf_pmconf -e 'unmasked_senders = no-reply@example.com'
pf_milter_stop 1
pf_milter_start || t_fail "the milter did not restart"
printf 'From: no-reply@example.com\r\nTo: bob@building.example\r\nSubject: New enquiry\r\n\r\nYou have a new enquiry.\r\n' > "$T_WORK/m7"
pf_swaks_expect 0 masking --from no-reply@example.com --to bob@building.example --data "$T_WORK/m7"
deliver_new
[ "$(pf_sink_mail_from "$dump")" = no-reply@example.com ] || t_fail "the unmasked sender was changed"
delivered=$seen

# 6. The milter is down: Postfix tempfails and delivers nothing.
pf_milter_stop 1
message "$T_WORK/m8" "While the milter is down" ""
pf_swaks masking --from "$seeker" --to bob@building.example --data "$T_WORK/m8"
[ "$PF_SWAKS_RC" -ne 0 ] || t_fail "Postfix accepted seeker mail without the milter"
pf_swaks_saw '^<\*\* +4[0-9][0-9] ' || t_fail "no 4xx without the milter: $(cat "$PF_SWAKS_LOG")"
[ "$(pf_queue_count)" -eq 0 ] || t_fail "Postfix queued mail it could not mask"
[ "$(pf_sink_count)" -eq "$delivered" ] || t_fail "something was delivered while the milter was down"
t_pass
