/* AES-128 (FIPS-197) and the Bluetooth functions built on it: e() with the
 * HCI's byte order and the random address hash ah(). Simulator-only code. */
#ifndef ZBLE_SIM_AES128_H
#define ZBLE_SIM_AES128_H

#include <stdint.h>

/* FIPS-197 order: key, in and out with their first octet first. */
void sim_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* Core Vol 3 Part H 2.2.1 e(), every value least significant octet first
 * as HCI LE Encrypt carries them. */
void sim_le_e(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* Core Vol 3 Part H 2.2.2 ah(k, r): irk and r (24 bits) least significant
 * octet first, as in an address; the 24-bit hash likewise. */
void sim_ah(const uint8_t irk[16], const uint8_t r[3], uint8_t hash[3]);

#endif
