#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# fake_milter.pl -f -c DIR: a stand-in for postmask-milter used only by
# harness_selftest.sh.  It reads milter_listen from DIR/main.cf, listens
# there (unix:/path or inet:PORT@HOST) and logs every connection to stderr,
# then closes it without a word of the milter protocol (Postfix then applies
# milter_default_action).  It removes its socket on SIGTERM.
use strict;
use warnings;
use Socket;

my $dir;
while (@ARGV) {
    my $arg = shift @ARGV;
    $dir = shift @ARGV if $arg eq '-c';
}
die "usage: fake_milter.pl -f -c DIR\n" unless defined $dir;

my $spec;
open my $cf, '<', "$dir/main.cf" or die "open $dir/main.cf: $!\n";
while (<$cf>) {
    $spec = $1 if /^milter_listen\s*=\s*(\S+)/;
}
close $cf;
die "no milter_listen in $dir/main.cf\n" unless defined $spec;

my ($sock, $path);
if ($spec =~ /^(?:unix|local):(\/.+)$/) {
    $path = $1;
    socket($sock, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
    unlink $path;
    bind($sock, pack_sockaddr_un($path)) or die "bind $path: $!\n";
} elsif ($spec =~ /^inet:(\d+)\@(.+)$/) {
    socket($sock, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
    setsockopt($sock, SOL_SOCKET, SO_REUSEADDR, 1);
    bind($sock, pack_sockaddr_in($1, inet_aton($2))) or die "bind $spec: $!\n";
} else {
    die "unsupported milter_listen $spec\n";
}
listen($sock, 16) or die "listen: $!\n";
$SIG{TERM} = sub { unlink $path if defined $path; exit 0 };
$| = 1;
print STDERR "fake_milter: starting: listening on $spec\n";
while (1) {
    my $peer = accept(my $conn, $sock);
    next unless $peer;
    print STDERR "fake_milter: connection\n";
    close $conn;
}
