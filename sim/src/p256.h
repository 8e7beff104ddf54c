/* NIST P-256 (SEC 2 secp256r1) for the simulated controller's LE Read
 * Local P-256 Public Key and LE Generate DHKey. Every value is least
 * significant octet first, as HCI carries it: a private key is 32 octets, a
 * public key X then Y (32 octets each), a DHKey the X coordinate.
 * Portable C11 (32-bit limbs, 64-bit products); not constant time. */
#ifndef ZBLE_SIM_P256_H
#define ZBLE_SIM_P256_H

#include <stdbool.h>
#include <stdint.h>

/* 1 <= priv < n, the order of the base point. */
bool sim_p256_priv_valid(const uint8_t priv[32]);
/* pub = priv * G; false when priv is out of range. */
bool sim_p256_pubkey(const uint8_t priv[32], uint8_t pub[64]);
/* Both coordinates below p and the point on the curve (Core Vol 3 Part H
 * 2.3.5.6.1; the cofactor is 1, so that is the whole check). */
bool sim_p256_pub_valid(const uint8_t pub[64]);
/* dh = x(priv * pub); false when pub is invalid or priv out of range. */
bool sim_p256_dhkey(const uint8_t priv[32], const uint8_t pub[64], uint8_t dh[32]);

#endif
