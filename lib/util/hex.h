/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hex - hexadecimal digits.
 *
 * hex_digit_value() returns the value (0 to 15) of the ASCII hex digit c,
 * either case, or -1 for anything else (any int, EOF included).  No state.
 */
#ifndef POSTMASK_HEX_H
#define POSTMASK_HEX_H

int hex_digit_value(int c);

#endif
