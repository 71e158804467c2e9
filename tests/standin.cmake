# SPDX-License-Identifier: Apache-2.0
# The form parser, X-Twilio-Signature, and the Twilio Conversations
# stand-in (tests/twilio-standin/, a test program: never installed) with the
# shell tests that drive it with curl(1).
pm_unit_test(test_form test_form.c)
pm_unit_test(test_twilio_signature test_twilio_signature.c)

# twilio-standin: built for the tests, never installed.
file(GLOB STANDIN_SOURCES CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/twilio-standin/*.c)
add_executable(twilio-standin ${STANDIN_SOURCES})
target_link_libraries(twilio-standin PRIVATE postmask_mail
                      PkgConfig::LIBEVENT)
target_compile_definitions(twilio-standin PRIVATE
  STANDIN_SPEC_DEFAULT="${CMAKE_CURRENT_SOURCE_DIR}/twilio-standin/conversations-v1-params.json")

# The stand-in's own tests, with curl(1) and jq(1).
pm_script_test(standin_api standin_api.sh)
pm_script_test(standin_validation standin_validation.sh)
pm_script_test(standin_rules standin_rules.sh)
pm_script_test(standin_webhooks standin_webhooks.sh)
pm_script_test(standin_config_webhooks standin_config_webhooks.sh)
pm_script_test(standin_faults standin_faults.sh)
