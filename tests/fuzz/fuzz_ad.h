/* Advertising data checks shared by the scan and advertising-data targets. */
#ifndef ZBLE_FUZZ_AD_H
#define ZBLE_FUZZ_AD_H

#include <stdint.h>

#include <zephyr/net_buf.h>

/* Parses ad with bt_data_parse and aborts unless it yields exactly the
 * elements of an independent reading of the same bytes (Core Supplement
 * Part A 1.3 format, stopping at a zero length or a truncated element), each
 * inside the buffer. stop_type: the parse callback stops at the first
 * element of that type (0x100: never). Returns the elements seen. */
int fz_ad_check(struct net_buf_simple *ad, uint16_t stop_type);

#endif
