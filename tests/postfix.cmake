# SPDX-License-Identifier: Apache-2.0
# Tests against a private Postfix instance (tests/postfix/harness.sh).  They
# run as root and need postfix, swaks and perl; without them they are
# skipped (status 77).  See tests/postfix/README.
#
# pm_postfix_test(NAME SCRIPT): a shell test that uses the harness.
function(pm_postfix_test name script)
  pm_script_test(${name} ${script})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
endfunction()

pm_postfix_test(postfix_harness postfix/harness_selftest.sh)
pm_postfix_test(postfix_verifiers postfix/verifiers_selftest.sh)
pm_postfix_test(postfix_inbound_capture postfix/inbound_capture.sh)
pm_postfix_test(postfix_inbound_limits postfix/inbound_limits.sh)
pm_postfix_test(postfix_milter_reload postfix/milter_reload.sh)
pm_postfix_test(postfix_outbound_mask postfix/outbound_mask.sh)
pm_postfix_test(e2e_flow postfix/e2e_flow.sh)
pm_postfix_test(e2e_email postfix/e2e_email.sh)
set_tests_properties(e2e_email PROPERTIES TIMEOUT 300)
pm_postfix_test(e2e_faults postfix/e2e_faults.sh)
pm_postfix_test(e2e_policies postfix/e2e_policies.sh)
pm_postfix_test(e2e_auth postfix/e2e_auth.sh)
pm_postfix_test(e2e_loop postfix/e2e_loop.sh)
pm_postfix_test(e2e_catchup postfix/e2e_catchup.sh)
set_tests_properties(e2e_catchup PROPERTIES TIMEOUT 450)
pm_postfix_test(e2e_two_nodes postfix/e2e_two_nodes.sh)
set_tests_properties(e2e_two_nodes PROPERTIES TIMEOUT 300)
pm_postfix_test(postfix_mx_fallback postfix/mx_fallback.sh)
pm_postfix_test(e2e_intake postfix/e2e_intake.sh)
