/* The SMP crypto checks shared by both implementations' tests: the Core
 * spec's sample data and RFC 4493, run through a struct zble_crypto that
 * the test has bound to a host. Blocking waits: call from the test's own
 * context (not a host callback). */
#ifndef SMP_VECTORS_H
#define SMP_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "zble/crypto.h"

/* A number printed most significant octet first, stored LSO first. */
void le_hex(uint8_t *out, const char *hex, size_t n);
/* Octets in the order printed. */
void be_hex(uint8_t *out, const char *hex, size_t n);

/* Runs op on c and waits for done: its err. */
int vec_crypto_run(struct zble_crypto *c, struct zble_crypto_op *op);

/* Each asserts the sample output. */
void vec_aes_fips197(struct zble_crypto *c);
void vec_cmac_rfc4493(struct zble_crypto *c);
void vec_c1_s1(struct zble_crypto *c);
void vec_ah(struct zble_crypto *c);
void vec_f4_f5_f6(struct zble_crypto *c);
void vec_g2_h6_h7(struct zble_crypto *c);
/* DHKey with the debug private key and data set 1's B: the sample DHKey. */
void vec_dhkey_debug(struct zble_crypto *c);
/* Key pairs on a and b (maybe one crypto twice), DHKeys agree, both keys
 * pass zble_smp_pubkey_check, random octets differ. */
void vec_keygen_agree(struct zble_crypto *a, struct zble_crypto *b);
/* A point off the curve is refused by the check and by DHKey (-EINVAL);
 * the debug key only when allowed. */
void vec_invalid_keys(struct zble_crypto *c);

/* Data set 1 of Vol 3 Part H D.1 (A's pair is the debug key pair). */
#define S1_PUB_BX "1ea1f0f01faf1d9609592284f19e4c0047b58afd8615a69f559077b22faaa190"
#define S1_PUB_BY "4c55f33e429dad377356703a9ab85160472d1130e28e36765f89aff915b1214a"
#define S1_DHKEY "ec0234a357c8ad05341010a60a397d9b99796b13b4f866f1868d34f373bfa698"

#endif
