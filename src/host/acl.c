/* ACL data: outgoing L2CAP PDUs fragmented to the controller's buffer size
 * and paced by its credits (Number Of Completed Packets), incoming
 * fragments reassembled into whole PDUs for the L2CAP layer. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define PB_FIRST_NON_FLUSHABLE 0x0
#define PB_CONTINUATION 0x1
#define PB_FIRST_FLUSHABLE 0x2
#define FRAG_MAX 255 /* payload bytes of one fragment we build */

struct net_buf *zble_acl_alloc(struct zble_host *host, k_timeout_t timeout)
{
	struct net_buf *buf = net_buf_alloc(&host->tx_pool, timeout);
	if (buf) {
		net_buf_reserve(buf, ZBLE_ACL_HEADROOM);
	}
	return buf;
}

void zble_host_set_l2cap_recv(struct zble_host *host, void (*fn)(struct bt_conn *conn, struct net_buf *pdu))
{
	k_mutex_lock(&host->lock, K_FOREVER);
	host->l2cap_recv = fn;
	k_mutex_unlock(&host->lock);
}

int zble_acl_send(struct bt_conn *conn, struct net_buf *pdu, zble_acl_done_t done, void *user_data)
{
	if (!conn || !pdu) {
		net_buf_unref(pdu);
		return -EINVAL;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	int err = 0;
	if (net_buf_pool_from_buf(pdu) != &host->tx_pool || pdu->len < 4 ||
	    pdu->len != 4u + sys_get_le16(pdu->data)) {
		err = -EINVAL;
	} else if (conn->state != BT_CONN_STATE_CONNECTED) {
		err = -ENOTCONN;
	}
	if (err) {
		net_buf_unref(pdu);
	} else {
		struct zble_acl_tx_meta *meta = net_buf_user_data(pdu);
		*meta = (struct zble_acl_tx_meta){ .done = done, .user_data = user_data };
		sys_slist_append(&conn->tx_queue, &pdu->node);
		k_work_submit_to_queue(&host->wq, &host->tx_work);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

/* A link's share of the controller's buffers. */
static uint8_t in_flight_cap(const struct zble_host *host)
{
	unsigned links = 0;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		const struct bt_conn *c = &host->conns[i];
		if (atomic_get(&c->ref) && c->state == BT_CONN_STATE_CONNECTED) {
			links++;
		}
	}
	unsigned cap = links ? host->acl_pkts / links : host->acl_pkts;
	return (uint8_t)CLAMP(cap, 1u, (unsigned)ZBLE_ACL_IN_FLIGHT_MAX);
}

static struct bt_conn *next_ready(struct zble_host *host)
{
	uint8_t cap = in_flight_cap(host);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[(host->acl_next + i) % CONFIG_BT_MAX_CONN];
		if (atomic_get(&c->ref) && c->state == BT_CONN_STATE_CONNECTED && !sys_slist_is_empty(&c->tx_queue) &&
		    c->in_flight_count < cap) {
			host->acl_next = (uint8_t)((c - host->conns + 1) % CONFIG_BT_MAX_CONN);
			return c;
		}
	}
	return NULL;
}

/* Lock held (the TX work). One fragment per credit, connections in turn,
 * at most a few per connection in the controller so none starves. */
void zble_acl_tx(struct zble_host *host)
{
	uint8_t frag[ZBLE_ACL_HEADROOM + FRAG_MAX];
	uint16_t mtu = MIN(host->acl_mtu, FRAG_MAX);

	while (host->acl_credits > 0 && host->opened && mtu > 0) {
		struct bt_conn *conn = next_ready(host);
		if (!conn) {
			return;
		}
		struct net_buf *pdu = CONTAINER_OF(sys_slist_peek_head(&conn->tx_queue), struct net_buf, node);
		struct zble_acl_tx_meta *meta = net_buf_user_data(pdu);
		uint16_t n = (uint16_t)MIN((size_t)mtu, (size_t)(pdu->len - meta->sent));
		bool last = meta->sent + n == pdu->len;
		uint16_t pb = meta->sent == 0 ? PB_FIRST_NON_FLUSHABLE : PB_CONTINUATION;
		frag[0] = ZBLE_H4_ACL;
		sys_put_le16((uint16_t)(conn->handle | (pb << 12)), frag + 1);
		sys_put_le16(n, frag + 3);
		memcpy(frag + 5, pdu->data + meta->sent, n);
		if (host->monitor) {
			host->monitor(host->monitor_ctx, false, frag, 5u + n);
		}
		if (host->driver->send(host->driver, frag, 5u + n)) {
			return; /* the transport is gone; bt_disable() cleans up */
		}
		host->acl_credits--;
		host->stats.acl_tx_frags++;
		meta->sent += n;
		uint8_t slot = (uint8_t)((conn->in_flight_head + conn->in_flight_count) % ZBLE_ACL_IN_FLIGHT_MAX);
		conn->in_flight[slot].done = last ? meta->done : NULL;
		conn->in_flight[slot].user_data = meta->user_data;
		conn->in_flight_count++;
		if (last) {
			sys_slist_get(&conn->tx_queue);
			host->stats.acl_tx_pdus++;
			net_buf_unref(pdu);
		}
	}
}

static void credits_back(struct zble_host *host, uint16_t n)
{
	host->acl_credits = (uint16_t)MIN((uint32_t)host->acl_credits + n, host->acl_pkts);
}

void zble_acl_evt_num_completed(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 1 || len < 1u + 4u * p[0]) {
		host->stats.malformed++;
		return;
	}
	for (uint8_t i = 0; i < p[0]; i++) {
		uint16_t handle = sys_get_le16(p + 1 + 4 * i) & 0x0fff;
		uint16_t count = sys_get_le16(p + 3 + 4 * i);
		struct bt_conn *conn = zble_conn_lookup_handle(host, handle);
		if (!conn) {
			continue; /* its credits came back with its disconnection */
		}
		count = (uint16_t)MIN(count, (uint16_t)conn->in_flight_count);
		credits_back(host, count);
		while (count--) {
			uint8_t slot = conn->in_flight_head;
			conn->in_flight_head = (uint8_t)((slot + 1) % ZBLE_ACL_IN_FLIGHT_MAX);
			conn->in_flight_count--;
			if (conn->in_flight[slot].done) {
				conn->in_flight[slot].done(conn, 0, conn->in_flight[slot].user_data);
			}
		}
		bt_conn_unref(conn);
	}
	k_work_submit_to_queue(&host->wq, &host->tx_work);
}

/* The link is gone: the controller freed its buffers (Core Vol 4 Part E
 * 4.3), queued PDUs fail, a partial incoming PDU is dropped. */
void zble_acl_conn_reset(struct zble_host *host, struct bt_conn *conn)
{
	credits_back(host, conn->in_flight_count);
	while (conn->in_flight_count) {
		uint8_t slot = conn->in_flight_head;
		conn->in_flight_head = (uint8_t)((slot + 1) % ZBLE_ACL_IN_FLIGHT_MAX);
		conn->in_flight_count--;
		if (conn->in_flight[slot].done) {
			conn->in_flight[slot].done(conn, -ENOTCONN, conn->in_flight[slot].user_data);
		}
	}
	sys_snode_t *n;
	while ((n = sys_slist_get(&conn->tx_queue)) != NULL) {
		struct net_buf *pdu = CONTAINER_OF(n, struct net_buf, node);
		struct zble_acl_tx_meta *meta = net_buf_user_data(pdu);
		if (meta->done) {
			meta->done(conn, -ENOTCONN, meta->user_data);
		}
		net_buf_unref(pdu);
	}
	if (conn->rx_pdu) {
		net_buf_unref(conn->rx_pdu);
		conn->rx_pdu = NULL;
	}
	conn->rx_discard = false;
	conn->in_flight_head = 0;
	k_work_submit_to_queue(&host->wq, &host->tx_work);
}

static void rx_drop(struct zble_host *host, struct bt_conn *conn)
{
	if (conn->rx_pdu) {
		net_buf_unref(conn->rx_pdu);
		conn->rx_pdu = NULL;
	}
	host->stats.acl_dropped++;
}

void zble_acl_recv(struct zble_host *host, const uint8_t *p, size_t len)
{
	host->stats.rx_acl++;
	if (len < 4 || sys_get_le16(p + 2) != len - 4) {
		host->stats.malformed++;
		return;
	}
	uint16_t hdr = sys_get_le16(p);
	uint8_t pb = (hdr >> 12) & 0x3;
	struct bt_conn *conn = zble_conn_lookup_handle(host, hdr & 0x0fff);
	if (!conn) {
		host->stats.acl_dropped++;
		return;
	}
	const uint8_t *data = p + 4;
	size_t n = len - 4;

	if (pb == PB_FIRST_FLUSHABLE || pb == PB_FIRST_NON_FLUSHABLE) {
		if (conn->rx_pdu) {
			rx_drop(host, conn); /* the previous PDU never completed */
			host->stats.malformed++;
		}
		conn->rx_discard = false;
		conn->rx_pdu = net_buf_alloc(&host->pdu_pool, K_NO_WAIT);
		if (!conn->rx_pdu) {
			conn->rx_discard = true;
			host->stats.acl_dropped++;
			goto out;
		}
	} else if (pb != PB_CONTINUATION || !conn->rx_pdu) {
		if (!conn->rx_discard) {
			host->stats.malformed++; /* a continuation of nothing */
		}
		goto out;
	}

	if (n > net_buf_tailroom(conn->rx_pdu)) {
		rx_drop(host, conn); /* larger than our MTU: drop the rest too */
		conn->rx_discard = true;
		goto out;
	}
	net_buf_add_mem(conn->rx_pdu, data, n);
	if (conn->rx_pdu->len >= 4) {
		size_t total = 4u + sys_get_le16(conn->rx_pdu->data);
		if (conn->rx_pdu->len > total || total > conn->rx_pdu->size) {
			rx_drop(host, conn);
			conn->rx_discard = true;
			host->stats.malformed++;
		} else if (conn->rx_pdu->len == total) {
			struct net_buf *pdu = conn->rx_pdu;
			conn->rx_pdu = NULL;
			host->stats.acl_rx_pdus++;
			zble_l2cap_recv(host, conn, pdu);
			net_buf_unref(pdu);
		}
	}
out:
	bt_conn_unref(conn);
}
