# SPDX-License-Identifier: Apache-2.0
pm_script_test(daemons daemons.sh)
