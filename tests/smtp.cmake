# SPDX-License-Identifier: Apache-2.0
# The bridge's libcurl loop (bridge/curl_loop.c) and SMTP submission
# (bridge/smtp_submit.c).
pm_bridge_test(test_curl_loop test_curl_loop.c test_twilio_client_srv.c)
target_link_libraries(test_curl_loop PRIVATE PkgConfig::LIBEVENT)

# Against Postfix's smtp-sink and the driver's own scripted SMTP servers
# (a thread each): smtp_submit.sh drives this program.  Skipped (status 77)
# without smtp-sink.
add_executable(smtp_submit_driver smtp_submit_driver.c test_twilio_client_srv.c)
target_link_libraries(smtp_submit_driver PRIVATE postmask_bridge
                      PkgConfig::LIBEVENT Threads::Threads)
pm_script_test(smtp_submit smtp_submit.sh)
set_tests_properties(smtp_submit PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
