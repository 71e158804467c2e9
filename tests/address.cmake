# SPDX-License-Identifier: Apache-2.0
# address tests: base32, the keys file, the proxy-address codec and the bounce
# tag of envelope senders (unit tests), and `postmaskctl address` (script
# test, needs the built postmaskctl).
pm_unit_test(test_base32 test_base32.c)
pm_unit_test(test_address_keys test_address_keys.c)
pm_unit_test(test_proxy_address test_proxy_address.c)
target_link_libraries(test_proxy_address PRIVATE postmask_testutil)
pm_unit_test(test_bounce_tag test_bounce_tag.c)
target_link_libraries(test_bounce_tag PRIVATE postmask_testutil)
pm_script_test(ctl_address ctl_address.sh)
