# postmask-milter: protocol-level tests with miltertest.
pm_script_test(milter_inbound milter_inbound.sh)
pm_unit_test(test_capture_job test_capture_job.c)
pm_script_test(milter_outbound milter_outbound.sh)
