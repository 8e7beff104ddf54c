/* Crypto in software through mbedTLS (host-side builds): AES-128 and ECDH
 * on P-256, random octets from the operating system. Each operation runs
 * to its end inside start, which the crypto work item calls, so done still
 * runs after zble_crypto_submit has returned. Big numbers are kept only on
 * the stack for the length of one operation; the private key stays in the
 * caller's struct zble_crypto. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/aes.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>

#include "zble/crypto.h"
#include "zble/host.h"

static void reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[n - 1 - i];
	}
}

static int os_random(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sw_aes(struct zble_crypto_op *op)
{
	mbedtls_aes_context aes;
	mbedtls_aes_init(&aes);
	int rc = mbedtls_aes_setkey_enc(&aes, op->in.aes.key, 128);
	if (!rc) {
		rc = mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, op->in.aes.block, op->out);
	}
	mbedtls_aes_free(&aes);
	return rc ? -EIO : 0;
}

/* The public key of an uncompressed SEC1 point (0x04 || X || Y, most
 * significant octet first) in HCI order. */
static void point_to_hci(uint8_t *out, const uint8_t *sec1)
{
	reverse(out, sec1 + 1, 32);
	reverse(out + 32, sec1 + 33, 32);
}

static int sw_pubkey(struct zble_crypto *c, struct zble_crypto_op *op)
{
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	mbedtls_ecp_point q;
	uint8_t buf[65];
	size_t olen = 0;
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_ecp_point_init(&q);
	int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
	if (!rc) {
		rc = mbedtls_ecp_gen_keypair(&grp, &d, &q, os_random, NULL);
	}
	if (!rc) {
		rc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, buf, sizeof(buf));
	}
	if (!rc && olen != sizeof(buf)) {
		rc = -1;
	}
	if (!rc) {
		point_to_hci(op->out, buf);
		rc = mbedtls_mpi_write_binary(&d, buf, 32);
	}
	if (!rc) {
		reverse(c->priv, buf, 32);
		c->have_key = true;
	}
	mbedtls_ecp_point_free(&q);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_group_free(&grp);
	memset(buf, 0, sizeof(buf));
	return rc ? -EIO : 0;
}

static int sw_dhkey(struct zble_crypto *c, struct zble_crypto_op *op)
{
	if (!op->debug_key && !c->have_key) {
		return -EAGAIN;
	}
	mbedtls_ecp_group grp;
	mbedtls_mpi d, z;
	mbedtls_ecp_point q;
	uint8_t buf[65];
	int err = 0;
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&z);
	mbedtls_ecp_point_init(&q);
	buf[0] = 0x04;
	reverse(buf + 1, op->in.remote, 32);
	reverse(buf + 33, op->in.remote + 32, 32);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1)) {
		err = -EIO;
	} else if (mbedtls_ecp_point_read_binary(&grp, &q, buf, sizeof(buf)) || mbedtls_ecp_check_pubkey(&grp, &q)) {
		err = -EINVAL; /* off the curve or out of range: CVE-2018-5383 */
	} else {
		reverse(buf, op->debug_key ? zble_crypto_debug_priv : c->priv, 32);
		if (mbedtls_mpi_read_binary(&d, buf, 32) ||
		    mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, os_random, NULL) ||
		    mbedtls_mpi_write_binary(&z, buf, 32)) {
			err = -EIO;
		} else {
			reverse(op->out, buf, 32);
		}
	}
	mbedtls_ecp_point_free(&q);
	mbedtls_mpi_free(&z);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_group_free(&grp);
	memset(buf, 0, sizeof(buf));
	return err;
}

static void sw_start(struct zble_crypto *c, struct zble_crypto_op *op)
{
	int err;
	switch (op->type) {
	case ZBLE_CRYPTO_AES:
		err = sw_aes(op);
		break;
	case ZBLE_CRYPTO_RAND:
		err = os_random(NULL, op->out, op->len) ? -EIO : 0;
		break;
	case ZBLE_CRYPTO_PUBKEY:
		err = sw_pubkey(c, op);
		break;
	case ZBLE_CRYPTO_DHKEY:
		err = sw_dhkey(c, op);
		break;
	default:
		err = -EINVAL;
		break;
	}
	zble_crypto_finish(c, op, err);
}

const struct zble_crypto_ops zble_crypto_sw_ops = {
	.name = "mbedtls",
	.start = sw_start,
	.le_meta = NULL,
};
