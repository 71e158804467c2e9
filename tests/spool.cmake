# SPDX-License-Identifier: Apache-2.0
# spool tests
pm_unit_test(test_spool_job test_spool_job.c)
# The spool tests share a fixture: a fresh spool per test.
add_library(spool_fixture STATIC spool_fixture.c)
target_link_libraries(spool_fixture PUBLIC postmask_mail PkgConfig::CMOCKA)
foreach(t test_spool test_spool_state test_spool_maint test_spool_failures
        test_fsutil)
  pm_unit_test(${t} ${t}.c)
  target_link_libraries(${t} PRIVATE spool_fixture)
endforeach()
pm_unit_test(test_spool_journal test_spool_journal.c)
target_link_libraries(test_spool_journal PRIVATE postmask_testutil)

# The crash test kills tests/spool_crash_writer at random points; see
# test_spool_crash.c.  POSTMASK_CRASH_SEED=N repeats a run.
add_executable(spool_crash_writer spool_crash_writer.c)
target_link_libraries(spool_crash_writer PRIVATE postmask_mail)
pm_unit_test(test_spool_crash test_spool_crash.c)
add_dependencies(test_spool_crash spool_crash_writer)
set_property(TEST test_spool_crash APPEND PROPERTY ENVIRONMENT
             "SPOOL_CRASH_WRITER=$<TARGET_FILE:spool_crash_writer>")
set_tests_properties(test_spool_crash PROPERTIES TIMEOUT 300)
pm_script_test(ctl_queue ctl_queue.sh)
