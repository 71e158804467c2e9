# SPDX-License-Identifier: Apache-2.0
# The bridge's HTTP server, metrics, chat tokens, the API request parser and
# the daemon's HTTP API end to end.
pm_bridge_test(test_http_server test_http_server.c)
pm_bridge_test(test_metrics test_metrics.c)
pm_bridge_test(test_access_token test_access_token.c)
pm_bridge_test(test_conv_request test_conv_request.c)
pm_script_test(bridge_http bridge_http.sh)
# Slow and abusive clients on the webhook listener (about 30 s).
pm_script_test(bridge_slow_clients bridge_slow_clients.sh)
set_tests_properties(bridge_slow_clients PROPERTIES TIMEOUT 180)
