# SPDX-License-Identifier: Apache-2.0
pm_script_test(daemons daemons.sh)
pm_script_test(daemons_notify daemons_notify.sh)
