#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SMTP submission (bridge/smtp_submit.c, libcurl on a pool of threads)
# against Postfix's smtp-sink on a free loopback port and against scripted
# servers in tests/smtp_submit_driver.c, which drives it on an event loop:
# the message arrives byte for byte (smtp-sink
# drops every CR, so the dump is compared with the message less its CRs),
# with the envelope given; lines starting with a dot survive (curl
# dot-stuffs, smtp-sink un-stuffs); bare LFs cannot end the data early;
# 4xx at RCPT or end of data -> TEMPFAIL, 5xx -> REFUSED, each with the
# server's reply; connection refused, a dropped connection and a server
# that never answers -> TEMPFAIL; 50 submissions at once; a server slow to
# answer the end of data does not stop the event loop (another submission
# starts and is reported meanwhile); freeing with submissions queued and
# in flight (waiting for an answer, or cut short mid-data: no end of data
# reaches the server), and from inside a done callback; envelope addresses
# that would inject commands are refused.  The driver fails on a file
# descriptor left open, and runs under ASan in the sanitizer build: a leak
# or a use after free fails it.  Frees use a timeout of 600s, longer than
# CTest's for this test: one that waited for a timeout would fail it.
. "$SRC/tests/lib.sh"

case :$PATH: in
    *:/usr/sbin:*) ;;
    *) PATH=$PATH:/usr/sbin:/sbin ;;
esac
for prog in smtp-sink perl; do
    command -v $prog >/dev/null 2>&1 || {
        echo "SKIP: $T_NAME: $prog is not installed"
        exit 77
    }
done

DRIVER=$BIN/tests/smtp_submit_driver
dir=$(t_tmpdir smtp_submit)
chmod 755 "$dir"            # smtp-sink runs as nobody and writes below it
SINK_PID=
trap 'sink_stop' EXIT

# free_port: a TCP port free on 127.0.0.1 now (the kernel picks it).
free_port() {
    perl -MSocket -e '
        socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
        bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
            or die "bind: $!\n";
        print((unpack_sockaddr_in(getsockname($s)))[0], "\n");'
}

# greets PORT: something on 127.0.0.1:PORT sends an SMTP reply line.
greets() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]",
                                      Timeout => 5) or exit 1;
        my $line = <$s>;
        print $s "QUIT\r\n";
        exit(defined $line && $line =~ /^\d\d\d[ -]/ ? 0 : 1);' "$1"
}

# sink_start NAME [SMTP-SINK OPTIONS...]: starts smtp-sink on a free
# loopback port, one dump file a message in $dir/NAME; sets SINK_DIR and
# SINK_URL.  Tries another port when the one picked was taken meanwhile.
sink_start() {
    SINK_DIR=$dir/$1
    shift
    mkdir -p "$SINK_DIR"
    sink_user=
    if [ "$(id -u)" = 0 ]; then
        sink_user="-u nobody"
        chown nobody "$SINK_DIR"
    fi
    sink_try=0
    while :; do
        sink_try=$((sink_try + 1))
        sink_port=$(free_port) || t_fail "no free port"
        # shellcheck disable=SC2086
        smtp-sink $sink_user -d "$SINK_DIR/%M." "$@" \
            "127.0.0.1:$sink_port" 100 >"$SINK_DIR.log" 2>&1 &
        SINK_PID=$!
        sink_i=0
        until greets "$sink_port"; do
            kill -0 "$SINK_PID" 2>/dev/null || break
            sink_i=$((sink_i + 1))
            [ $sink_i -lt 100 ] || t_fail "smtp-sink does not answer: $(cat "$SINK_DIR.log")"
            sleep 0.1
        done
        if kill -0 "$SINK_PID" 2>/dev/null; then
            SINK_URL=smtp://127.0.0.1:$sink_port
            return 0
        fi
        wait "$SINK_PID" 2>/dev/null
        SINK_PID=
        [ $sink_try -lt 3 ] && grep -q "in use" "$SINK_DIR.log" && continue
        t_fail "smtp-sink did not start: $(cat "$SINK_DIR.log")"
    done
}

sink_stop() {
    if [ -n "$SINK_PID" ]; then
        kill "$SINK_PID" 2>/dev/null
        wait "$SINK_PID" 2>/dev/null
        SINK_PID=
    fi
    return 0
}

# dumps: the dump files in $SINK_DIR, one a line.  smtp-sink closes a dump
# before it answers the end of data, so every SENT one is complete.  It
# creates one, empty, at MAIL and removes it when the session ends without
# an end of data: an empty file is no message (it stays when the sink is
# stopped meanwhile).
dumps() {
    find "$SINK_DIR" -type f -size +0 | sort
}

# sink_open: how many connections to the sink it has not closed yet
# (established, half-open or half-closed ones on its port in the kernel's
# table, those not accepted yet included).
sink_open() {
    perl -e '
        my $port = sprintf(":%04X", $ARGV[0]);
        my $n = 0;
        open(my $f, "<", "/proc/net/tcp") or die "/proc/net/tcp: $!\n";
        while (<$f>) {
            my @c = split;
            $n++ if substr($c[1], -5) eq $port && $c[3] =~ /^(01|03|08)$/;
        }
        print "$n\n";' "$sink_port"
}

# sink_settle WHAT: waits until the sink has closed every connection made
# to it: once the driver has exited, the sink has then read every byte the
# driver sent and handled it (its log is no count: it does not always say
# "disconnect").
sink_settle() {
    sink_i=0
    while :; do
        sink_n=$(sink_open) || t_fail "$1: cannot read /proc/net/tcp"
        [ "$sink_n" = 0 ] && break
        sink_i=$((sink_i + 1))
        [ $sink_i -lt 300 ] || t_fail "$1: smtp-sink keeps $sink_n connection(s) open: $(cat "$SINK_DIR.log")"
        sleep 0.1
    done
}

# dump_field FILE NAME: the values of smtp-sink's header NAME.
dump_field() {
    sed -n "/^Received: /q;s/^$2: //p" "$1"
}

# dump_message FILE: the message as received, without smtp-sink's
# headers (up to its three-line Received:) and its trailing empty line.
dump_message() {
    sed '1,/^Received: /d' "$1" | sed '1,2d;$d'
}

# drive [DRIVER OPTIONS] URL FROM RCPT FILE: runs the driver, which must
# exit 0 (under ASan: no leak, no invalid access).
drive() {
    t_expect 0 "$DRIVER" "$@"
}

# expect_out TEXT: the driver printed exactly TEXT.
expect_out() {
    [ "$T_OUT" = "$1" ] || t_fail "driver printed \"$T_OUT\", want \"$1\" (stderr: $T_ERR)"
}

# same_message DUMP FILE: DUMP holds FILE's message, less its CRs.
same_message() {
    dump_message "$1" >"$dir/got"
    tr -d '\r' <"$2" >"$dir/want"
    cmp "$dir/got" "$dir/want" >/dev/null \
        || t_fail "$1 differs from $2: $(diff "$dir/want" "$dir/got" | head -20)"
}

# The test message: CRLF line ends, 8-bit text, a tab, trailing blanks, a
# long line, an empty line in the body, and lines that start with dots,
# one of them a lone dot (the end of data, unless stuffed).
msg=$dir/message.eml
long=$(printf '%0900d' 0 | tr 0 x)
printf '%s\r\n' \
    'From: Seeker <seeker@example.com>' \
    'To: Building <contact@example.org>' \
    'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=' \
    'Message-ID: <MS0123@reply.example.com>' \
    'X-Postmask-Conversation: CH0123456789abcdef0123456789abcdef' \
    'Content-Type: text/plain; charset=UTF-8' \
    'Content-Transfer-Encoding: 8bit' \
    '' \
    '.' \
    'Grüße aus der Stadt,	tab   ' \
    '' \
    '..two dots' \
    '.one dot' \
    '...' \
    "$long" \
    '.' \
    'the end' >"$msg"

# ---- the message, byte for byte, and its envelope ----
sink_start plain
drive "$SINK_URL" seeker-env@example.com contact-env@example.org "$msg"
case $T_OUT in
    "0 SENT 250 "*) ;;
    *) t_fail "submission: $T_OUT (stderr: $T_ERR)" ;;
esac
[ "$(dumps | wc -l)" = 1 ] || t_fail "$(dumps | wc -l) dumps, want 1"
dump=$(dumps)
[ "$(dump_field "$dump" X-Mail-Args)" = "<seeker-env@example.com>" ] \
    || t_fail "MAIL FROM: $(dump_field "$dump" X-Mail-Args)"
[ "$(dump_field "$dump" X-Rcpt-Args)" = "<contact-env@example.org>" ] \
    || t_fail "RCPT TO: $(dump_field "$dump" X-Rcpt-Args)"
same_message "$dump" "$msg"
grep -qx '\.\.two dots' "$dir/got" || t_fail "a dotted line was changed"

# The null sender.
rm -f "$SINK_DIR"/*
drive "$SINK_URL" "" contact-env@example.org "$msg"
[ "$(dump_field "$(dumps)" X-Mail-Args)" = "<>" ] \
    || t_fail "null sender: MAIL FROM $(dump_field "$(dumps)" X-Mail-Args)"

# Bare LF line ends go out as CRLF: "\n.\n" cannot end the data early.
rm -f "$SINK_DIR"/*
printf 'Subject: bare\n\nbefore\n.\nafter the dot\rafter a CR\n' >"$dir/bare.eml"
drive "$SINK_URL" a@example.com b@example.org "$dir/bare.eml"
case $T_OUT in "0 SENT 250 "*) ;; *) t_fail "bare LF: $T_OUT" ;; esac
[ "$(dumps | wc -l)" = 1 ] || t_fail "bare LF: $(dumps | wc -l) dumps, want 1"
printf 'Subject: bare\n\nbefore\n.\nafter the dot\nafter a CR\n' >"$dir/bare.want"
same_message "$(dumps)" "$dir/bare.want"

# ---- 50 at once, each to its own recipient ----
rm -f "$SINK_DIR"/*
drive -n 50 "$SINK_URL" seeker-env@example.com 'r%N@example.org' "$msg"
[ "$(echo "$T_OUT" | grep -c ' SENT 250 ')" = 50 ] \
    || t_fail "50 at once: $(echo "$T_OUT" | grep -vc ' SENT 250 ') not sent: $T_OUT"
[ "$(dumps | wc -l)" = 50 ] || t_fail "50 at once: $(dumps | wc -l) dumps"
for f in $(dumps); do
    same_message "$f" "$msg"
done
for f in $(dumps); do
    dump_field "$f" X-Rcpt-Args
done | sort >"$dir/rcpts"
i=0
while [ $i -lt 50 ]; do echo "<r$i@example.org>"; i=$((i + 1)); done \
    | sort >"$dir/rcpts.want"
cmp -s "$dir/rcpts" "$dir/rcpts.want" \
    || t_fail "50 at once: recipients differ: $(diff "$dir/rcpts.want" "$dir/rcpts" | head)"

# The first result frees the submitter from its callback: the others are
# dropped and never reported.  Those the server had answered, or had the
# end of data of, are delivered (whole); the others are not delivered at
# all: no dump is a truncated or empty message (libcurl ends an upload
# cut short the wrong way with the end of data, curl issue #4015).
sink_stop
sink_start freed
drive -Q -t 600 -n 10 "$SINK_URL" a@example.com 'q%N@example.org' "$msg"
case $T_OUT in
    "0 SENT 250 "*|[1-9]" SENT 250 "*) ;;
    *) t_fail "free from done: $T_OUT" ;;
esac
[ "$(echo "$T_OUT" | wc -l)" = 1 ] || t_fail "free from done: $T_OUT"
sink_settle "free from done"
sink_stop
n=$(dumps | wc -l)
if [ "$n" -lt 1 ] || [ "$n" -gt 10 ]; then
    t_fail "free from done: $n messages delivered"
fi
for f in $(dumps); do
    same_message "$f" "$msg"
done

# Freed with the submissions waiting for the answer to DATA (the sink
# waits 2s before it answers, then reads what comes) or still queued for
# a thread: nothing reported, nothing leaked, and nothing delivered.
sink_start aborted -v -W data:2
drive -F -t 600 -n 6 "$SINK_URL" a@example.com 'f%N@example.org' "$msg"
expect_out freed
sink_settle aborted
sink_stop
[ "$(dumps | wc -l)" = 0 ] \
    || t_fail "aborted: $(dumps | wc -l) messages delivered: $(cat $(dumps) | head -20)"

# ---- the server's answers ----
# sink_case NAME WANT SMTP-SINK OPTIONS...: one submission to a sink with
# those options prints exactly "0 WANT".
sink_case() {
    sc_name=$1
    sc_want=$2
    shift 2
    sink_start "$sc_name" "$@"
    drive -t 10 "$SINK_URL" a@example.com b@example.org "$msg"
    expect_out "0 $sc_want"
    sink_stop
}
sink_case rcpt4xx "TEMPFAIL 452 4.5.3 Too many recipients (test)" \
    -r RCPT -b "452 4.5.3 Too many recipients (test)"
sink_case rcpt5xx "REFUSED 550 5.1.1 <b@example.org>: Recipient address rejected (test)" \
    -f RCPT -B "550 5.1.1 <b@example.org>: Recipient address rejected (test)"
sink_case data4xx "TEMPFAIL 451 4.3.0 Error: queue file write error (test)" \
    -r . -b "451 4.3.0 Error: queue file write error (test)"
sink_case data5xx "REFUSED 550 5.7.1 Message refused: no X-Postmask-Conversation (test)" \
    -f . -B "550 5.7.1 Message refused: no X-Postmask-Conversation (test)"
sink_case greet421 "TEMPFAIL 421 4.3.2 Service shutting down (test)" \
    -r CONNECT -b "421 4.3.2 Service shutting down (test)"

# The connection drops after the end of data, before any answer.
sink_start dropped -q .
drive -t 10 "$SINK_URL" a@example.com b@example.org "$msg"
case $T_OUT in "0 TEMPFAIL "*) ;; *) t_fail "dropped: $T_OUT" ;; esac
sink_stop

# ---- no server ----
drive -t 10 refused a@example.com b@example.org "$msg"
case $T_OUT in
    "0 TEMPFAIL "*[Cc]onnect*) ;;
    *) t_fail "connection refused: $T_OUT" ;;
esac
drive -t 1 silent a@example.com b@example.org "$msg"
case $T_OUT in
    "0 TEMPFAIL "*"timed out"*) ;;
    *) t_fail "silent server: $T_OUT" ;;
esac
# Freed while connected to a server that never answers.
drive -F -t 600 -n 5 silent a@example.com b@example.org "$msg"
expect_out freed

# ---- the event loop goes on while the server holds an answer ----
# The driver's scripted server holds its answer to submission 0's end of
# data (libcurl waits for it blocking, curl issue #8555) and tells the
# driver's event loop; the loop then submits 1, which the server answers
# at once, and only 1's result on the loop makes the server answer 0.
# Both are reported, 1 first: the loop was never stuck in 0's transfer.
drive -t 10 gate a@example.com 'g%N@example.org' "$msg"
expect_out "server: holds the answer to 0's end of data
1 SENT 250 2.0.0 Ok: queued as FAST
0 SENT 250 2.0.0 Ok: queued as SLOW"

# ---- freed mid-data: no end of data ----
# The scripted server reads a little of an 8 MB message (more than the
# sockets' buffers hold) and stops reading; the driver frees the
# submitter then, and the server reads what came until the connection
# ended: a part of the data, never the end of data.
perl -e 'print "Subject: big\r\n\r\n"; print "x" x 998, "\r\n" for 1..8000' \
    >"$dir/big.eml"
drive -F -t 600 stall a@example.com b@example.org "$dir/big.eml"
expect_out "freed
server: no end of data"

# ---- addresses that would inject SMTP commands ----
evil=$(printf 'a@example.com>\r\nRCPT TO:<evil@example.net')
t_expect 2 "$DRIVER" refused "$evil" b@example.org "$msg"
case $T_ERR in
    *"envelope address"*) ;;
    *) t_fail "injection in MAIL FROM: $T_ERR" ;;
esac
[ -z "$T_OUT" ] || t_fail "injection in MAIL FROM: reported $T_OUT"
t_expect 2 "$DRIVER" refused a@example.com "b@example.org> NOTIFY=NEVER" "$msg"
t_expect 2 "$DRIVER" refused a@example.com "" "$msg"

t_pass
