# SPDX-License-Identifier: Apache-2.0
# tests/postfix/reply_lib.sh - a proxy address and a building contact's
# reply to it, for the tests of capture at the MX (inbound_capture.sh,
# mx_fallback.sh).  Source after harness.sh, once pf_setup made the
# instance (it encodes with the instance's keys).
#   reply_setup        sets sid (a conversation SID), proxy (its proxy
#                      address) and forged (the same address with one
#                      character of its tag changed)
#   jobs               the number of jobs in the spool's active/
#   reply FILE MESSAGE-ID [EXTRA-HEADER]
#                      writes the contact's reply, "Yes, it is still
#                      available." above the quoted question, CRLF
reply_setup() {
    sid=CH0123456789abcdef0123456789abcdef
    proxy=$("$BIN/postmaskctl" -c "$PF_PM_DIR" address encode $sid) || t_fail "encode"
    forged=$(echo "$proxy" | sed 's/^\(k1-...\)./\1z/')
    [ "$forged" != "$proxy" ] || forged=$(echo "$proxy" | sed 's/^\(k1-...\)./\1y/')
}

jobs() {
    ls "$PF_PM_SPOOL/active" 2>/dev/null | wc -l
}

reply() {
    {
        printf 'From: Building Contact <contact@building.example>\r\n'
        printf 'To: Seeker via Example <%s>\r\n' "$proxy"
        printf 'Subject: Re: Office at 12 Main St\r\n'
        printf 'Message-ID: <%s>\r\n' "$2"
        printf 'Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n'
        [ -z "${3:-}" ] || printf '%s\r\n' "$3"
        printf 'MIME-Version: 1.0\r\n'
        printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
        printf 'Yes, it is still available.\r\n\r\n'
        printf 'On Wed, 25 Nov 2026 at 09:00, Seeker <%s> wrote:\r\n' "$proxy"
        printf '> Is the office at 12 Main St still available?\r\n'
    } > "$1"
}
