# SPDX-License-Identifier: Apache-2.0
# The Debian package and the Postfix attachment (packaging/, ctl/ctl_postfix.c).
#
# ctl_postfix runs postmaskctl postfix attach/detach/status against private
# Postfix configuration directories with postconf(1); packaging_scripts runs
# the maintainer scripts' logic against a scratch root; packaging builds the
# .deb (packaging/build-deb.sh, what `make deb` runs) and inspects it with
# dpkg-deb and lintian.  They exit 77 (skipped) when what they need is not
# installed: postconf; root; debhelper and dpkg-dev, which
# scripts/install-deps does not install.
pm_script_test(ctl_postfix ctl_postfix.sh)
pm_script_test(packaging_scripts packaging_scripts.sh)
pm_script_test(packaging packaging.sh)
set_tests_properties(ctl_postfix packaging_scripts packaging PROPERTIES
                     SKIP_RETURN_CODE 77)
set_tests_properties(packaging PROPERTIES TIMEOUT 900)

# The modules of postmaskctl postfix that hold no postconf call.
pm_unit_test(test_postfix_list test_postfix_list.c
             ${CMAKE_SOURCE_DIR}/ctl/postfix_list.c)
target_include_directories(test_postfix_list PRIVATE ${CMAKE_SOURCE_DIR}/ctl)
pm_unit_test(test_postfix_state test_postfix_state.c
             ${CMAKE_SOURCE_DIR}/ctl/postfix_state.c)
target_include_directories(test_postfix_state PRIVATE ${CMAKE_SOURCE_DIR}/ctl)
target_link_libraries(test_postfix_state PRIVATE postmask_testutil)
