# SPDX-License-Identifier: Apache-2.0
# Masking outbound messages (lib/mail/mask*.c): the header rewriting table,
# the self-check, and body masking with MIME structure kept byte for byte.
pm_unit_test(test_mask_headers test_mask_headers.c)
pm_unit_test(test_mask_check test_mask_check.c)
pm_unit_test(test_mask_body test_mask_body.c)
