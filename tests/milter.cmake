# SPDX-License-Identifier: Apache-2.0
# postmask-milter: protocol-level tests with miltertest.
pm_script_test(milter_inbound milter_inbound.sh)
pm_unit_test(test_capture_job test_capture_job.c)
pm_unit_test(test_content_key test_content_key.c)
pm_script_test(milter_outbound milter_outbound.sh)
# The MX rate limits' counters (lib/util/rate_limit.c, used by milter_rate.c).
pm_unit_test(test_rate_limit test_rate_limit.c)
# The per-message state: header names and values in one pool per message.
pm_unit_test(test_milter_msg test_milter_msg.c ${CMAKE_SOURCE_DIR}/milter/milter_msg.c)
target_include_directories(test_milter_msg PRIVATE ${CMAKE_SOURCE_DIR}/milter
                           ${MILTER_INCLUDE_DIR})
# The reloadable settings: references across a reload, and their release.
pm_unit_test(test_milter_settings test_milter_settings.c
             ${CMAKE_SOURCE_DIR}/milter/milter_settings.c)
target_include_directories(test_milter_settings PRIVATE
                           ${CMAKE_SOURCE_DIR}/milter ${MILTER_INCLUDE_DIR})
target_link_libraries(test_milter_settings PRIVATE postmask_testutil)
