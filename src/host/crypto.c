/* The crypto queue shared by both implementations: operations run one at
 * a time from a work item of the host's queue, so a done callback always
 * runs in the host context and never inside zble_crypto_submit(). */
#include <errno.h>
#include <string.h>

#include "zble/crypto.h"
#include "zble/host.h"

const uint8_t zble_crypto_debug_priv[32] = {
	0xbd, 0x1a, 0x3c, 0xcd, 0xa6, 0xb8, 0x99, 0x58, 0x99, 0xb7, 0x40, 0xeb, 0x7b, 0x60, 0xff, 0x4a,
	0x50, 0x3f, 0x10, 0xd2, 0xe3, 0xb3, 0xc9, 0x74, 0x38, 0x5f, 0xc5, 0xa3, 0xd4, 0xf6, 0x49, 0x3f,
};

const uint8_t zble_crypto_debug_pub[64] = {
	0xe6, 0x9d, 0x35, 0x0e, 0x48, 0x01, 0x03, 0xcc, 0xdb, 0xfd, 0xf4, 0xac, 0x11, 0x91, 0xf4, 0xef,
	0xb9, 0xa5, 0xf9, 0xe9, 0xa7, 0x83, 0x2c, 0x5e, 0x2c, 0xbe, 0x97, 0xf2, 0xd2, 0x03, 0xb0, 0x20,
	0x8b, 0xd2, 0x89, 0x15, 0xd0, 0x8e, 0x1c, 0x74, 0x24, 0x30, 0xed, 0x8f, 0xc2, 0x45, 0x63, 0x76,
	0x5c, 0x15, 0x52, 0x5a, 0xbf, 0x9a, 0x32, 0x63, 0x6d, 0xeb, 0x2a, 0x65, 0x49, 0x9c, 0x80, 0xdc,
};

static void crypto_work_handler(struct k_work *work)
{
	struct zble_crypto *c = CONTAINER_OF(work, struct zble_crypto, work);
	struct zble_host *host = c->host;
	if (!host) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	if (!c->cur) {
		sys_snode_t *n = sys_slist_get(&c->queue);
		if (n) {
			c->cur = CONTAINER_OF(n, struct zble_crypto_op, node);
			c->ops->start(c, c->cur);
		}
	}
	k_mutex_unlock(&host->lock);
}

/* An implementation waited too long for the controller's event. */
static void evt_timeout_handler(struct k_work *work)
{
	struct zble_crypto *c = CONTAINER_OF(k_work_delayable_from_work(work), struct zble_crypto, evt_timeout);
	struct zble_host *host = c->host;
	if (!host) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	if (c->awaiting_evt && c->cur) {
		c->awaiting_evt = false;
		host->stats.cmd_timeouts++;
		zble_crypto_finish(c, c->cur, -ETIMEDOUT);
	}
	k_mutex_unlock(&host->lock);
}

int zble_crypto_init(struct zble_crypto *c, struct zble_host *host, const struct zble_crypto_ops *ops)
{
	if (!c || !host) {
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->host = host;
	c->ops = ops ? ops : ZBLE_CRYPTO_DEFAULT_OPS;
	sys_slist_init(&c->queue);
	k_work_init(&c->work, crypto_work_handler);
	k_work_init_delayable(&c->evt_timeout, evt_timeout_handler);
	k_mutex_lock(&host->lock, K_FOREVER);
	host->crypto = c;
	k_mutex_unlock(&host->lock);
	return 0;
}

void zble_crypto_deinit(struct zble_crypto *c)
{
	struct zble_host *host = c->host;
	if (!host) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	k_work_cancel(&c->work);
	k_work_cancel_delayable(&c->evt_timeout);
	c->awaiting_evt = false;
	if (host->crypto == c) {
		host->crypto = NULL;
	}
	struct zble_crypto_op *cur = c->cur;
	c->cur = NULL;
	if (cur) {
		cur->done(cur, -ECANCELED);
	}
	sys_snode_t *n;
	while ((n = sys_slist_get(&c->queue)) != NULL) {
		struct zble_crypto_op *op = CONTAINER_OF(n, struct zble_crypto_op, node);
		op->done(op, -ECANCELED);
	}
	memset(c->priv, 0, sizeof(c->priv));
	c->have_key = false;
	c->host = NULL;
	k_mutex_unlock(&host->lock);
}

int zble_crypto_submit(struct zble_crypto *c, struct zble_crypto_op *op, zble_crypto_done_t done, void *user_data)
{
	if (!c || !c->host || !op || !done || op->type > ZBLE_CRYPTO_DHKEY) {
		return -EINVAL;
	}
	if (op->type == ZBLE_CRYPTO_RAND && (op->len == 0 || op->len > sizeof(op->out))) {
		return -EINVAL;
	}
	op->done = done;
	op->user_data = user_data;
	op->filled = 0;
	k_mutex_lock(&c->host->lock, K_FOREVER);
	sys_slist_append(&c->queue, &op->node);
	if (!c->cur) {
		k_work_submit_to_queue(&c->host->wq, &c->work);
	}
	k_mutex_unlock(&c->host->lock);
	return 0;
}

void zble_crypto_finish(struct zble_crypto *c, struct zble_crypto_op *op, int err)
{
	if (c->cur != op) {
		return; /* cancelled meanwhile */
	}
	c->cur = NULL;
	op->done(op, err);
	if (!c->cur && !sys_slist_is_empty(&c->queue)) {
		k_work_submit_to_queue(&c->host->wq, &c->work);
	}
}

void zble_crypto_le_meta(struct zble_host *host, uint8_t subevent, const uint8_t *p, size_t len)
{
	struct zble_crypto *c = host->crypto;
	if (c && c->ops->le_meta) {
		c->ops->le_meta(c, subevent, p, len);
	} else {
		host->stats.unknown_events++;
	}
}
