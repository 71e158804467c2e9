#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctl_address - `postmaskctl address` end to end: encode, decode (any case,
# +detail, second domain), refusals with their messages and exit status,
# newkey lines that the keys file accepts (a rotation), and a keys file
# readable by other users refused; and the error line every subcommand
# prints.  Needs $BIN/postmaskctl; $BIN and $SRC
# come from CTest (tests/CMakeLists.txt).
set -eu
. "$SRC/tests/lib.sh"

: "${BIN:?BIN must name the build directory}"
CTL="$BIN/postmaskctl"
if [ ! -x "$CTL" ]; then
    echo "ctl_address: $CTL is not built" >&2
    exit 1
fi
DIR=$(mktemp -d "${TMPDIR:-/tmp}/ctl_address.XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM

# The known-answer vector of tests/test_proxy_address.c.
SECRET=postmask-test-key-0123456789abcdef
SID=CH9f86d081884c7d659a2feaa0c55ad015
LOCAL=k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfvy
ADDRESS=$LOCAL@reply.example.com
KEYS=$DIR/address.keys

cat >"$DIR/main.cf" <<EOF
proxy_domains = reply.example.com, other.example.net
address_keys_file = $KEYS
spool_directory = $DIR/spool
EOF
(umask 077 && printf 'k1 %s\n' "$SECRET" >"$KEYS")
chmod 0600 "$KEYS"
mkdir "$DIR/spool"

# run ARGS...: postmaskctl -c DIR ARGS; sets $rc, $out, $err.
run() {
    t_ctl "$DIR" "$@"
}

expect() {
    t_expect_exact "$@"
}

# Encode.
run address encode "$SID"
expect "encode" 0 "$ADDRESS" ""
run address encode CH9F86D081884C7D659A2FEAA0C55AD015
expect "encode, upper-case hex" 0 "$ADDRESS" ""
run address encode CH9f86d081884c7d659a2feaa0c55ad01
expect "encode, short SID" 1 "" "postmaskctl: error: address: CH9f86d081884c7d659a2feaa0c55ad01: not a conversation SID (CH and 32 hex digits)"

# Decode.
run address decode "$ADDRESS"
expect "decode" 0 "$SID" ""
run address decode "$(printf '%s' "$ADDRESS" | tr '[:lower:]' '[:upper:]')"
expect "decode, upper case" 0 "$SID" ""
run address decode "$LOCAL+detail@Other.Example.NET"
expect "decode, +detail, second domain" 0 "$SID" ""

# Refusals: exit 1, one line naming the address and the reason.
FORGED=k1-t6dnbamijr6wlgrp5kqmkwwqcvp2t6ajirbi4izfva@reply.example.com
run address decode "$FORGED"
expect "forged" 1 "" "postmaskctl: error: address: $FORGED: forged proxy address: the tag does not verify"
run address decode k1-t6dnbamijr6wlgrp5kqm@reply.example.com
expect "truncated" 1 "" "postmaskctl: error: address: k1-t6dnbamijr6wlgrp5kqm@reply.example.com: truncated proxy address"
run address decode "$LOCAL@example.org"
expect "other domain" 1 "" "postmaskctl: error: address: $LOCAL@example.org: not an address in a proxy domain"
run address decode "k9-${LOCAL#k1-}@reply.example.com"
expect "unknown key" 1 "" "postmaskctl: error: address: k9-${LOCAL#k1-}@reply.example.com: proxy address signed with an unknown key"
run address decode "\"$LOCAL\"@reply.example.com"
expect "quoted" 1 "" "postmaskctl: error: address: \"$LOCAL\"@reply.example.com: malformed proxy address"

# Usage errors: exit 2, usage on stderr, nothing on stdout.
USAGE="usage: postmaskctl address encode SID | decode ADDRESS | newkey [KEYID]"
for args in "address" "address encode" "address decode" \
            "address decode a b" "address encode $SID extra" \
            "address frob x" "address newkey a b"; do
    # shellcheck disable=SC2086 # split on purpose
    run $args
    expect "usage: $args" 2 "" "$USAGE"
done

# newkey: "KEYID SECRET" with 64 hex digits, different every time.
run address newkey k9
[ "$rc" = 0 ] || t_check_fail "newkey: exit $rc ($err)"
echo "$out" | grep -Eqx 'k9 [0-9a-f]{64}' || t_check_fail "newkey: \"$out\""
first=$out
run address newkey k9
[ "$out" != "$first" ] || t_check_fail "newkey: the same secret twice"
run address newkey
echo "$out" | grep -Eqx '[0-9]{8} [0-9a-f]{64}' || t_check_fail "newkey, default id: \"$out\""
run address newkey K9
expect "newkey, bad id" 1 "" "postmaskctl: error: address: K9: bad key id: expected 1 to 8 characters of a-z and 0-9"

# Rotation through postmaskctl: the new key first, the old one kept.
{ echo "$first"; printf 'k1 %s\n' "$SECRET"; } >"$KEYS.new"
chmod 0600 "$KEYS.new"
mv "$KEYS.new" "$KEYS"
run address encode "$SID"
[ "$rc" = 0 ] || t_check_fail "encode after rotation: exit $rc ($err)"
case $out in
k9-*@reply.example.com) ;;
*) t_check_fail "encode after rotation: \"$out\" is not signed by k9" ;;
esac
NEW=$out
run address decode "$NEW"
expect "decode new address" 0 "$SID" ""
run address decode "$ADDRESS"
expect "decode old address after rotation" 0 "$SID" ""
echo "$first" >"$KEYS"
run address decode "$ADDRESS"
expect "old key dropped" 1 "" "postmaskctl: error: address: $ADDRESS: proxy address signed with an unknown key"

# A keys file other users may read is refused, by encode and decode alike.
chmod 0644 "$KEYS"
MODE_ERR="postmaskctl: error: address: secret file $KEYS has mode 0644: it must not be accessible by other users (chmod o= $KEYS)"
run address decode "$NEW"
expect "keys file 0644, decode" 1 "" "$MODE_ERR"
run address encode "$SID"
expect "keys file 0644, encode" 1 "" "$MODE_ERR"
chmod 0640 "$KEYS"
run address decode "$NEW"
expect "keys file 0640" 0 "$SID" ""

# A keys file that is missing or wrong says which file and line.
rm "$KEYS"
run address decode "$NEW"
expect "keys file missing" 1 "" "postmaskctl: error: address: open secret file $KEYS: No such file or directory"
printf '# keys\nk1 short\n' >"$KEYS"
chmod 0600 "$KEYS"
run address encode "$SID"
expect "keys file bad line" 1 "" "postmaskctl: error: address: $KEYS, line 2: secret is shorter than 16 characters"

# Every subcommand reports a failure the same way, through msg_error():
# "postmaskctl: error: COMMAND: ...".  Two outside address, checked here
# where the harness for exact stderr is.
run config no_such_parameter
expect "config, unknown parameter" 1 "" "postmaskctl: error: config: no_such_parameter: unknown parameter"
run frobnicate
rc_unknown=$rc
first=$(printf '%s\n' "$err" | head -n 1)
[ "$rc_unknown" = 2 ] || t_check_fail "unknown command: exit $rc_unknown, want 2"
[ "$first" = 'postmaskctl: error: unknown command "frobnicate"' ] \
    || t_check_fail "unknown command: stderr \"$err\""

t_done
