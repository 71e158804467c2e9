#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shipped main.cf declares every postmask parameter to postconf (so that
# `postconf -c DIR -n/-h/-x` work without warnings), loads in postmaskctl,
# ships proxy_domains empty (the daemons refuse to start until it is set,
# and say so), and docs/postmask.5 documents every parameter with its
# default.
. "$SRC/tests/lib.sh"

dir=$(t_tmpdir shipped)
cp "$SRC/packaging/main.cf" "$dir/main.cf"
: > "$dir/master.cf"

# Every parameter of the table is declared in smtpd_restriction_classes.
names=$("$BIN/postmaskctl" -c "$dir" config -d | sed 's/ =.*//')
[ -n "$names" ] || t_fail "postmaskctl config -d printed no parameters"
declared=$(postconf -c "$dir" -h smtpd_restriction_classes | tr ',' ' ')
for n in $names; do
    case " $declared " in
        *" $n "*) ;;
        *) t_fail "packaging/main.cf: $n is not declared in smtpd_restriction_classes" ;;
    esac
done

# postconf reads it back without a single warning.
out=$(postconf -c "$dir" -n 2>&1)
echo "$out" | grep -i 'warning' && t_fail "postconf -n warns about the shipped main.cf"
echo "$out" | grep -q '^proxy_domains =$' \
    || t_fail "the shipped proxy_domains is not empty: $(echo "$out" | grep proxy_domains)"

# Every parameter is documented, with its default, in postmask(5).
for n in $names; do
    grep -q "^\.B $n\$" "$SRC/docs/postmask.5" \
        || t_fail "docs/postmask.5 does not document $n (expected '.TP' then '.B $n')"
    dflt=$("$BIN/postmaskctl" -c "$dir" config -d -h "$n")
    if [ -n "$dflt" ]; then
        grep -F -q "Default: $dflt" "$SRC/docs/postmask.5" \
            || t_fail "docs/postmask.5 does not give the default of $n ($dflt)"
    fi
done
# ... and nothing undocumented hides in the man page.
for n in $(sed -n '/^\.TP$/{n;s/^\.B \([a-z_0-9]*\)$/\1/p;}' "$SRC/docs/postmask.5"); do
    echo "$names" | grep -qx "$n" || t_fail "docs/postmask.5 documents $n, which is not a parameter"
done

# The shipped file loads as it is (ctl needs no Twilio credentials), and
# the daemons refuse to start, and say why, until proxy_domains is set.
"$BIN/postmaskctl" -c "$dir" config >/dev/null || t_fail "shipped main.cf does not load"
for d in postmask-milter postmask-bridge; do
    rc=0
    "$BIN/$d" -f -c "$dir" >"$dir/$d.out" 2>&1 || rc=$?
    [ "$rc" != 0 ] || t_fail "$d started with the shipped main.cf"
    grep -q "proxy_domains is required but not set" "$dir/$d.out" \
        || t_fail "$d does not say why it refuses: $(cat "$dir/$d.out")"
done
t_pass
