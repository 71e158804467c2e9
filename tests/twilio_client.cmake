# SPDX-License-Identifier: Apache-2.0
# The Twilio REST client (bridge/twilio_client.c, lib/twilio/form.c,
# twilio_api.c): against a scripted server inside the test program, and
# against the Twilio stand-in (tests/twilio-standin/).
pm_bridge_test(test_twilio_client test_twilio_client.c test_twilio_client_srv.c)
target_link_libraries(test_twilio_client PRIVATE PkgConfig::LIBEVENT)
set_tests_properties(test_twilio_client PROPERTIES TIMEOUT 300)
pm_bridge_test(test_twilio_client_api test_twilio_client_api.c test_twilio_client_srv.c)
target_link_libraries(test_twilio_client_api PRIVATE PkgConfig::LIBEVENT)

# Against the stand-in: twilio_client_standin.sh starts it and runs this
# program with its URL and credentials.
add_executable(test_twilio_client_standin test_twilio_client_standin.c
               test_twilio_client_srv.c)
target_link_libraries(test_twilio_client_standin PRIVATE postmask_bridge
                      PkgConfig::CMOCKA PkgConfig::LIBEVENT)
pm_script_test(twilio_client_standin twilio_client_standin.sh)
set_tests_properties(twilio_client_standin PROPERTIES TIMEOUT 600)
