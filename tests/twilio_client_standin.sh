#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Twilio client against the Twilio stand-in: starts the stand-in and
# runs test_twilio_client_standin with its URL and credentials (see that
# program for what is checked).
. "$SRC/tests/lib.sh"

dir=$(t_tmpdir twilio_client)
t_standin_start "$dir"
t_run "$BIN/tests/test_twilio_client_standin" "$T_STANDIN_URL" \
    "$T_STANDIN_ACCOUNT" "$T_STANDIN_TOKEN_FILE"
echo "$T_OUT"
echo "$T_ERR" >&2
[ "$T_STATUS" = 0 ] || t_fail "test_twilio_client_standin exited $T_STATUS"
kill -0 "$T_STANDIN_PID" 2>/dev/null || t_fail "the stand-in died"
t_pass
