/* Crypto offloaded to the controller over HCI (Vol 4 Part E 7.8.22 LE
 * Encrypt, 7.8.23 LE Rand, 7.8.36 LE Read Local P-256 Public Key, 7.8.37
 * and 7.8.94 LE Generate DHKey v1/v2): nothing but a few commands, so the
 * smallest flash. Every step goes through the host's asynchronous command
 * path; the P-256 results come as LE meta events (zble_crypto_le_meta). */
#include <errno.h>
#include <string.h>

#include "host_internal.h"
#include "zble/crypto.h"

static void reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[n - 1 - i];
	}
}

static int status_err(uint8_t status)
{
	switch (status) {
	case 0x00:
		return 0;
	case 0x01: /* Unknown HCI Command */
		return -ENOTSUP;
	case 0x0c: /* Command Disallowed: no key pair (yet) */
		return -EAGAIN;
	case 0x12: /* Invalid HCI Command Parameters: a remote key off the curve */
		return -EINVAL;
	default:
		return -EIO;
	}
}

static void send_or_fail(struct zble_crypto *c, struct zble_crypto_op *op, uint16_t opcode, const void *params,
			 uint8_t len, zble_hci_done_t done)
{
	int err = zble_hci_cmd_send(c->host, opcode, params, len, done, c, NULL);
	if (err) {
		zble_crypto_finish(c, op, err);
	}
}

static void encrypt_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len, void *arg)
{
	(void)host;
	struct zble_crypto *c = arg;
	struct zble_crypto_op *op = c->cur;
	if (!op || op->type != ZBLE_CRYPTO_AES) {
		return;
	}
	if (!status && (!rp || rp_len < 16)) {
		status = 0xff;
	}
	if (!status) {
		reverse(op->out, rp, 16);
	}
	zble_crypto_finish(c, op, status_err(status));
}

static void rand_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len, void *arg)
{
	(void)host;
	struct zble_crypto *c = arg;
	struct zble_crypto_op *op = c->cur;
	if (!op || op->type != ZBLE_CRYPTO_RAND) {
		return;
	}
	if (!status && (!rp || rp_len < 8)) {
		status = 0xff;
	}
	if (status) {
		zble_crypto_finish(c, op, status_err(status));
		return;
	}
	size_t n = op->len - op->filled < 8 ? (size_t)(op->len - op->filled) : 8;
	memcpy(op->out + op->filled, rp, n);
	op->filled = (uint8_t)(op->filled + n);
	if (op->filled < op->len) {
		send_or_fail(c, op, BT_HCI_OP_LE_RAND, NULL, 0, rand_done);
	} else {
		zble_crypto_finish(c, op, 0);
	}
}

/* Command Status of the P-256 commands: the result follows as an event. */
static void p256_status(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len, void *arg)
{
	(void)host;
	(void)rp;
	(void)rp_len;
	struct zble_crypto *c = arg;
	struct zble_crypto_op *op = c->cur;
	if (!op || (op->type != ZBLE_CRYPTO_PUBKEY && op->type != ZBLE_CRYPTO_DHKEY)) {
		return;
	}
	if (status) {
		zble_crypto_finish(c, op, status_err(status));
		return;
	}
	c->awaiting_evt = true;
	k_work_reschedule_for_queue(&c->host->wq, &c->evt_timeout, K_MSEC(ZBLE_CRYPTO_EVT_TIMEOUT_MS));
}

static void offload_start(struct zble_crypto *c, struct zble_crypto_op *op)
{
	uint8_t cp[65];
	c->awaiting_evt = false;
	switch (op->type) {
	case ZBLE_CRYPTO_AES:
		reverse(cp, op->in.aes.key, 16);
		reverse(cp + 16, op->in.aes.block, 16);
		send_or_fail(c, op, BT_HCI_OP_LE_ENCRYPT, cp, 32, encrypt_done);
		break;
	case ZBLE_CRYPTO_RAND:
		send_or_fail(c, op, BT_HCI_OP_LE_RAND, NULL, 0, rand_done);
		break;
	case ZBLE_CRYPTO_PUBKEY:
		send_or_fail(c, op, BT_HCI_OP_LE_P256_PUBLIC_KEY, NULL, 0, p256_status);
		break;
	case ZBLE_CRYPTO_DHKEY:
		memcpy(cp, op->in.remote, 64);
		if (op->debug_key) {
			/* Only v2 can use the debug private key (Key_Type 1). */
			if (!zble_hci_cmd_supported(c->host, 41, 2)) {
				zble_crypto_finish(c, op, -ENOTSUP);
				return;
			}
			cp[64] = 0x01;
			send_or_fail(c, op, BT_HCI_OP_LE_GENERATE_DHKEY_V2, cp, 65, p256_status);
		} else if (!c->have_key) {
			zble_crypto_finish(c, op, -EAGAIN);
		} else {
			send_or_fail(c, op, BT_HCI_OP_LE_GENERATE_DHKEY, cp, 64, p256_status);
		}
		break;
	default:
		zble_crypto_finish(c, op, -EINVAL);
		break;
	}
}

static void offload_le_meta(struct zble_crypto *c, uint8_t subevent, const uint8_t *p, size_t len)
{
	struct zble_crypto_op *op = c->cur;
	uint8_t want = subevent == BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE ? ZBLE_CRYPTO_PUBKEY : ZBLE_CRYPTO_DHKEY;
	size_t need = want == ZBLE_CRYPTO_PUBKEY ? 1 + 64 : 1 + 32;
	if (!op || !c->awaiting_evt || op->type != want) {
		c->host->stats.unknown_events++; /* nobody asked: not ours to act on */
		return;
	}
	if (len < need) {
		c->host->stats.malformed++;
		return; /* the timeout settles it */
	}
	c->awaiting_evt = false;
	k_work_cancel_delayable(&c->evt_timeout);
	int err = status_err(p[0]);
	if (!err) {
		memcpy(op->out, p + 1, need - 1);
		if (want == ZBLE_CRYPTO_PUBKEY) {
			c->have_key = true;
		}
	}
	zble_crypto_finish(c, op, err);
}

const struct zble_crypto_ops zble_crypto_offload_ops = {
	.name = "controller",
	.start = offload_start,
	.le_meta = offload_le_meta,
};
