# SPDX-License-Identifier: Apache-2.0
# lib/util and lib/mail basics: main.cf parsing, expansion, checking,
# secrets, postconf, logging, base64, UTF-8 and the memory pool.
add_library(postmask_testutil STATIC testutil.c)
target_link_libraries(postmask_testutil PUBLIC postmask_mail)

pm_unit_test(test_config_parse test_config_parse.c)
pm_unit_test(test_config_expand test_config_expand.c)
pm_unit_test(test_config_load test_config_load.c)
pm_unit_test(test_config_reload test_config_reload.c)
target_link_libraries(test_config_load PRIVATE postmask_testutil)
pm_unit_test(test_msg test_msg.c)
pm_unit_test(test_mempool test_mempool.c)
pm_unit_test(test_secret_file test_secret_file.c)
target_link_libraries(test_secret_file PRIVATE postmask_testutil)

pm_script_test(postconf_equivalence postconf_equivalence.sh)
pm_script_test(shipped_config shipped_config.sh)
pm_script_test(license_headers license_headers.sh)
pm_script_test(layering layering.sh)
pm_unit_test(test_codec test_codec.c)
