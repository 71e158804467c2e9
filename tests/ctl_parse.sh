#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctl_parse - `postmaskctl parse` end to end on corpus messages: from a
# FILE and from standard input, the JSON fields compared exactly, the
# envelope sender from Return-Path or -f, attachments listed without data,
# trusted_authserv_ids from main.cf, the "inline" and "forward_dropped"
# flags, --explain (which rule cut or dropped which lines: an attribution,
# footers, a forward, an inline reply, a "-- " signature, HTML converted),
# and the failures: input that is not a
# message, a missing file (exit 1 with one line) and wrong arguments
# (exit 2).  Needs $BIN/postmaskctl and python3 (for reading JSON); $BIN and
# $SRC come from CTest (tests/CMakeLists.txt).
set -eu
. "$SRC/tests/lib.sh"

: "${BIN:?BIN must name the build directory}"
CTL="$BIN/postmaskctl"
[ -x "$CTL" ] || t_fail "$CTL is not built"
command -v python3 >/dev/null || t_fail "python3 is needed to read JSON"
DIR=$(t_tmpdir ctl_parse)
trap 'rm -rf "$DIR"' EXIT INT TERM
CORPUS="$SRC/tests/data/replies"

mkdir "$DIR/spool"
(umask 077 && echo "k1 0123456789abcdef0123456789abcdef" >"$DIR/address.keys")
chmod 0600 "$DIR/address.keys"
write_config() {
    cat >"$DIR/main.cf" <<EOF
spool_directory = $DIR/spool
proxy_domains = reply.example.com
address_keys_file = $DIR/address.keys
attachment_size_limit = 65536
$1
EOF
}
write_config ""

# field EXPR: the JSON value of EXPR (over d, the last output) in the
# compact form json.dumps gives, e.g. field 'd["from"]["address"]'.
field() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(json.dumps(eval(sys.argv[2], {"d": d}), ensure_ascii=False))' \
        "$T_WORK/ctl.out" "$1"
}

# expect_field NAME EXPR WANT
expect_field() {
    got=$(field "$2") || { t_check_fail "$1: no JSON: $out"; return; }
    [ "$got" = "$3" ] || t_check_fail "$1: $2 is $got, want $3"
}

# parse_stdin FILE ARGS...: postmaskctl parse ARGS < FILE.
parse_stdin() {
    in=$1
    shift
    rc=0
    "$CTL" -c "$DIR" parse "$@" <"$in" >"$T_WORK/ctl.out" 2>"$T_WORK/ctl.err" \
        || rc=$?
    out=$(cat "$T_WORK/ctl.out")
    err=$(cat "$T_WORK/ctl.err")
}

# A Gmail reply from a FILE: sender from its Return-Path; no
# Authentication-Results believed (trusted_authserv_ids is empty).
F="$CORPUS/gmail_en_top_posted_signature.eml"
t_ctl "$DIR" parse "$F"
[ "$rc" = 0 ] || t_check_fail "parse FILE: exit $rc ($err)"
[ -z "$err" ] || t_check_fail "parse FILE: stderr $err"
expect_field "gmail" 'd["classification"]' '"reply"'
expect_field "gmail" 'd["from"]' '{"address": "tom@bakerlettings.example", "name": "Tom Baker"}'
expect_field "gmail" 'd["subject"]' '"Re: Flat at 12 Harbour Street"'
expect_field "gmail" 'd["message_id"]' '"CAJ8pL2vQ0xT+k5nR3mWc9sYd1hFgE7uB4aN6oZ2iV8e_Lq3KwA@mail.gmail.com"'
expect_field "gmail" 'd["in_reply_to"]' '"IM5c2f8e0a9b3d4c71a6e2f0b8d4c3a1e7@reply.example.com"'
expect_field "gmail" 'd["auto_reply_reason"]' 'null'
expect_field "gmail" 'len(d["authentication_results"])' '3'
expect_field "gmail" '[d["dkim"], d["spf"], d["dmarc"]]' '[null, null, null]'
expect_field "gmail" 'd["sender_authentication"]["method"]' 'null'
expect_field "gmail" 'd["text"].split("\n")[0]' '"Hi Anna,"'
expect_field "gmail" 'd["text"].split("\n")[-1]' '"Tom"'
expect_field "gmail" '"bounce" in d' 'false'
expect_field "gmail" 'list(d)' '["classification", "auto_reply_reason", "from", "subject", "message_id", "in_reply_to", "references", "authentication_results", "dkim", "spf", "dmarc", "sender_authentication", "text", "inline", "forward_dropped", "attachments", "structure_error"]'
expect_field "gmail" '[d["inline"], d["forward_dropped"]]' '[false, false]'
# Pretty-printed, two spaces, in the documented order.
first_lines=$(sed -n '1,3p' "$T_WORK/ctl.out")
[ "$first_lines" = '{
  "classification": "reply",
  "auto_reply_reason": null,' ] || t_check_fail "gmail: layout: $first_lines"

# The same from standard input.
cp "$T_WORK/ctl.out" "$T_WORK/from-file.json"
parse_stdin "$F"
[ "$rc" = 0 ] || t_check_fail "parse < FILE: exit $rc ($err)"
cmp -s "$T_WORK/ctl.out" "$T_WORK/from-file.json" \
    || t_check_fail "parse < FILE differs from parse FILE"
parse_stdin "$F" -
cmp -s "$T_WORK/ctl.out" "$T_WORK/from-file.json" \
    || t_check_fail "parse - differs from parse FILE"

# trusted_authserv_ids: every header of that server counts.
write_config "trusted_authserv_ids = mx1.reply.example.com"
t_ctl "$DIR" parse "$F"
expect_field "trusted" '[d["dkim"], d["spf"], d["dmarc"]]' '["pass", "pass", "pass"]'
expect_field "trusted" 'd["sender_authentication"]' '{"method": "dmarc", "detail": "dmarc=pass header.from=bakerlettings.example"}'
write_config ""

# Attachments: listed with name, type, size, inline, kept; never data.
t_ctl "$DIR" parse "$CORPUS/iphone_photo_over_limit.eml"
expect_field "photos" 'd["attachments"]' '[{"name": "IMG_4821.jpeg", "type": "image/jpeg", "size": 71234, "inline": true, "kept": false}, {"name": "IMG_4822.jpeg", "type": "image/jpeg", "size": 4180, "inline": true, "kept": true}]'
expect_field "photos" 'd["text"]' '"Here'"'"'s the damp patch in the bathroom, and the meter reading."'
t_ctl "$DIR" parse "$CORPUS/gmail_en_inline_image.eml"
expect_field "cid" 'd["attachments"][0]["content_id"]' '"ii_lteaw9c40"'
expect_field "cid" '"data" in d["attachments"][0]' 'false'

# A bounce (Return-Path: <>), with its "bounce" object.
t_ctl "$DIR" parse "$CORPUS/bounce_postfix_5_1_1.eml"
expect_field "bounce" 'd["classification"]' '"bounce"'
expect_field "bounce" 'd["bounce"]' '{"recipient": "f.meyer@contoso-bau.example", "status": "5.1.1", "diagnostic": "smtp; 550 5.1.1 <f.meyer@contoso-bau.example>: Recipient address rejected: User unknown in local recipient table"}'
expect_field "bounce" 'd["attachments"]' '[]'

# An out-of-office from the null sender (Return-Path: <>) stays one.
t_ctl "$DIR" parse "$CORPUS/autoreply_exchange_en_null_sender.eml"
expect_field "oof" 'd["classification"]' '"auto_reply"'
expect_field "oof" 'd["auto_reply_reason"]' '"Auto-Submitted: auto-generated"'

# -f overrides Return-Path: "" and "<>" are the null sender.
t_ctl "$DIR" parse -f "" "$F"
expect_field "-f ''" 'd["classification"]' '"bounce"'
t_ctl "$DIR" parse -f "<>" "$F"
expect_field "-f <>" 'd["classification"]' '"bounce"'
# Exim's report from a real sender is no bounce, but its Auto-Submitted
# still makes it an auto-reply.
t_ctl "$DIR" parse -f "tom@bakerlettings.example" "$CORPUS/bounce_exim_plain_null_sender.eml"
expect_field "-f address" '[d["classification"], d["auto_reply_reason"]]' '["auto_reply", "Auto-Submitted: auto-replied"]'
t_ctl "$DIR" parse -f "tom@bakerlettings.example" "$CORPUS/bounce_postfix_5_1_1.eml"
expect_field "-f address, DSN" 'd["classification"]' '"bounce"'

# No Return-Path and no -f: the sender is unknown, not null.
sed '/^Return-Path:/d' "$CORPUS/gmail_nl_intro.eml" >"$DIR/no-return-path.eml"
parse_stdin "$DIR/no-return-path.eml"
expect_field "unknown sender" 'd["classification"]' '"reply"'
parse_stdin "$DIR/no-return-path.eml" -f ""
expect_field "unknown sender, -f ''" 'd["classification"]' '"bounce"'

# An empty reply.
t_ctl "$DIR" parse "$CORPUS/gmail_empty_reply_quote_only.eml"
expect_field "empty" '[d["classification"], d["text"]]' '["empty", ""]'

# The flags: an inline reply, a forward whose forwarded part was dropped.
t_ctl "$DIR" parse "$CORPUS/gmail_en_inline_answers.eml"
expect_field "inline" '[d["inline"], d["forward_dropped"]]' '[true, false]'
t_ctl "$DIR" parse "$CORPUS/gmail_en_forward_with_note.eml"
expect_field "forward" '[d["inline"], d["forward_dropped"]]' '[false, true]'
expect_field "forward" 'd["text"].split("\n")[-1]' '"Dan"'

# --explain: the same JSON, a blank line, then the explanation.
# explain_check NAME FILE WANT: parse --explain FILE prints the JSON of
# parse FILE, a blank line and exactly WANT.
explain_check() {
    t_ctl "$DIR" parse "$2"
    cp "$T_WORK/ctl.out" "$T_WORK/plain.out"
    t_ctl "$DIR" parse --explain "$2"
    [ "$rc" = 0 ] || t_check_fail "$1: exit $rc ($err)"
    [ -z "$err" ] || t_check_fail "$1: stderr $err"
    sed '/^$/,$d' "$T_WORK/ctl.out" >"$T_WORK/json.out"
    cmp -s "$T_WORK/json.out" "$T_WORK/plain.out" \
        || t_check_fail "$1: the JSON differs from parse without --explain"
    got=$(sed '1,/^$/d' "$T_WORK/ctl.out")
    [ "$got" = "$3" ] || t_check_fail "$1: explanation
$got
want
$3"
}
# An attribution cuts (and a footer above it is dropped).
explain_check "explain attribution" "$CORPUS/airmail_en_footer.eml" \
'explain: text/plain, 7 lines
line 3: footer.en.app: dropped | Sent with Airmail
line 5: attribution.en.on-wrote: cut here (this line and everything after) | On 4 March 2024 at 10:15:42, Tom Fletcher (k1-tc7tcmi3ycqkqc'
# A footer and the quote under it are dropped.
explain_check "explain footer" "$CORPUS/iphone_en_footer_html.eml" \
'explain: text/plain, 7 lines
line 3: footer.en.my-device: dropped | Sent from my iPhone
lines 5-7: quote: dropped | > On 6 Mar 2024, at 19:40, Anna Berg <k1-t6dnbamijr6wlgrp5kq'
# An inline reply: the introduction and each quoted run dropped, the
# writer's answers kept; a "-- " signature cuts.
explain_check "explain inline" "$CORPUS/thunderbird_en_inline_flowed.eml" \
'explain: text/plain, 21 lines, inline reply
line 1: attribution.en.on-wrote: dropped | On 05/03/2024 14:20, Anna Berg wrote:
lines 2-6: inline.quote: dropped | > Hi Helen,
line 10: inline.quote: dropped | > Can I paint the bedroom?
lines 14-15: inline.quote: dropped | > Thanks again,
line 19: signature.dashes: cut here (this line and everything after) | --'
# A forward separator cuts; the forwarded part is dropped.
explain_check "explain forward" "$CORPUS/gmail_en_forward_with_note.eml" \
'explain: text/plain, 18 lines, forwarded part dropped
line 7: forward.en.gmail: cut here (this line and everything after) | ---------- Forwarded message ---------'
# A contact-details block after the sign-off and name, no "-- ": cut.
explain_check "explain signature block" "$CORPUS/outlook_de_signature_contact_block.eml" \
'explain: text/plain, 30 lines
lines 7-18: signature.block: cut here (this line and everything after) | Vermietung & Verwaltung
line 20: header.de.outlook-from: cut here (this line and everything after) | Von: Anna Berg <k1-coqrihjtrlcmja44k6zdg53woarwyfgd4vtttj2w@'
# The introduction after the writer's words on their line.
explain_check "explain same line" "$CORPUS/mobile_en_intro_same_line.eml" \
"explain: text/plain, 2 lines
line 1: attribution.en.on-wrote: cut here (after the writer's words on this line, and everything after) | Thanks, Tuesday works. On Mon, Mar 4, 2024 at 3:59 PM, k1-lj"
# HTML only: the converted text is explained (the converter itself removes
# the quote containers, so nothing is left to cut here).
explain_check "explain html" "$CORPUS/webmail_it_html_only_gmail_quote.eml" \
'explain: text/html converted, 6 lines
nothing cut or dropped'
# From standard input too.
parse_stdin "$CORPUS/airmail_en_footer.eml" --explain
grep -q '^line 3: footer.en.app: dropped | Sent with Airmail$' "$T_WORK/ctl.out" \
    || t_check_fail "explain from stdin: $out"

# Failures: exit 1, one line on stderr, nothing on stdout.
printf 'just some words\n' >"$DIR/words.txt"
parse_stdin "$DIR/words.txt"
t_expect_exact "not a message, stdin" 1 "" "postmaskctl: error: parse: standard input: not a message: it cannot be parsed as RFC 5322"
t_ctl "$DIR" parse "$DIR/words.txt"
t_expect_exact "not a message, FILE" 1 "" "postmaskctl: error: parse: $DIR/words.txt: not a message: it cannot be parsed as RFC 5322"
t_ctl "$DIR" parse --explain "$DIR/words.txt"
t_expect_exact "not a message, --explain" 1 "" "postmaskctl: error: parse: $DIR/words.txt: not a message: it cannot be parsed as RFC 5322"
: >"$DIR/empty.eml"
t_ctl "$DIR" parse "$DIR/empty.eml"
t_expect_exact "empty input" 1 "" "postmaskctl: error: parse: $DIR/empty.eml: not a message: it cannot be parsed as RFC 5322"
printf '\n\nonly a body\n' >"$DIR/body.eml"
t_ctl "$DIR" parse "$DIR/body.eml"
t_expect_exact "no header" 1 "" "postmaskctl: error: parse: $DIR/body.eml: not a message: it has no header"
t_ctl "$DIR" parse "$DIR/missing.eml"
t_expect_exact "missing file" 1 "" "postmaskctl: error: parse: $DIR/missing.eml: No such file or directory"

# Wrong arguments: exit 2 and the usage line.
USAGE="usage: postmaskctl parse [-f SENDER] [--explain] [FILE]"
t_ctl "$DIR" parse a.eml b.eml
t_expect_exact "two files" 2 "" "$USAGE"
t_ctl "$DIR" parse -x a.eml
[ "$rc" = 2 ] || t_check_fail "unknown option: exit $rc"
case $err in
*"$USAGE") ;;
*) t_check_fail "unknown option: stderr $err" ;;
esac
t_ctl "$DIR" parse -f
[ "$rc" = 2 ] || t_check_fail "-f without a value: exit $rc"

t_done
