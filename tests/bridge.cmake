# SPDX-License-Identifier: Apache-2.0
# The bridge's tests.  Each area appends its own lines below.

# pm_bridge_test(NAME SOURCES...): a cmocka test linked with bridge/.
function(pm_bridge_test name)
  pm_unit_test(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE postmask_bridge)
endfunction()

# Starting conversations.
pm_bridge_test(test_conv_names test_conv_names.c)
pm_script_test(bridge_conversations bridge_conversations.sh)
pm_script_test(bridge_conv_cache bridge_conv_cache.sh)
include(standin.cmake)
include(twilio_client.cmake)

# Sync: Twilio messages to email, email replies to Twilio.
pm_bridge_test(test_email_compose test_email_compose.c)
# The HTML part of a hostile sample under Debian's `tidy -errors -q`
# (scripts/install-deps installs tidy; the test fails without it).
add_executable(email_compose_driver email_compose_driver.c)
target_link_libraries(email_compose_driver PRIVATE postmask_bridge)
pm_script_test(email_compose_tidy email_compose_tidy.sh)
pm_bridge_test(test_message_split test_message_split.c)
pm_bridge_test(test_email_batch test_email_batch.c)
pm_bridge_test(test_email_rate test_email_rate.c)
target_link_libraries(test_email_rate PRIVATE postmask_testutil)
pm_bridge_test(test_loop_guard test_loop_guard.c)
include(http.cmake)
include(smtp.cmake)
pm_script_test(bridge_webhook bridge_webhook.sh)
pm_script_test(bridge_webhook_crash bridge_webhook_crash.sh)
pm_bridge_test(test_spool_writer test_spool_writer.c)
target_link_libraries(test_spool_writer PRIVATE postmask_testutil)
pm_bridge_test(test_conv_records test_conv_records.c)
target_link_libraries(test_conv_records PRIVATE postmask_testutil)
pm_unit_test(test_iso8601 test_iso8601.c)

# Reload on SIGHUP and SIGUSR1: main.cf, the keys, the secrets.
pm_script_test(bridge_reload bridge_reload.sh)
