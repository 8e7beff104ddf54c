/* Connections: the fixed pool of struct bt_conn, both LE connection complete
 * forms normalised into one path, peripheral connections matched to the
 * advertiser (never to a pending outgoing connection), create with cancel
 * and timeout, disconnect, parameter updates. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"
#include "zble/crypto.h"

#define NO_HANDLE 0xffff

/* One form for the legacy and the enhanced (v1/v2) events. */
struct conn_complete {
	uint8_t status;
	uint16_t handle;
	uint8_t role;
	bt_addr_le_t peer;
	uint16_t interval, latency, timeout;
	uint8_t adv_handle; /* v2 only; 0xff: not given */
};

static void conn_timeout_handler(struct k_work *work);

/* Interval min/max, latency, timeout and a zero CE length range. */
static void put_conn_param(uint8_t *p, const struct bt_le_conn_param *param)
{
	sys_put_le16(param->interval_min, p);
	sys_put_le16(param->interval_max, p + 2);
	sys_put_le16(param->latency, p + 4);
	sys_put_le16(param->timeout, p + 6);
	sys_put_le16(0, p + 8);
	sys_put_le16(0, p + 10);
}

void zble_conn_setup(struct zble_host *host)
{
	zble_l2cap_host_init(host);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		c->host = host;
		c->state = BT_CONN_STATE_DISCONNECTED;
		c->handle = NO_HANDLE;
		k_work_init_delayable(&c->proc_timeout, conn_timeout_handler);
		host->early_disc[i].handle = NO_HANDLE;
	}
}

static struct bt_conn *conn_alloc(struct zble_host *host)
{
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		/* Free when no one holds a reference. */
		if (atomic_cas(&c->ref, 0, 1)) {
			c->state = BT_CONN_STATE_DISCONNECTED;
			c->handle = NO_HANDLE;
			c->pending_err = 0;
			c->disc_retried = false;
			c->id = BT_ID_DEFAULT;
			sys_slist_init(&c->tx_queue);
			c->sig_ident = 0;
			c->in_flight_head = c->in_flight_count = 0;
			c->rx_pdu = NULL;
			c->rx_discard = false;
			bt_addr_le_copy(&c->local, &host->id_addr);
			return c;
		}
	}
	return NULL;
}

struct bt_conn *bt_conn_ref(struct bt_conn *conn)
{
	if (!conn) {
		return NULL;
	}
	atomic_val_t old;
	do {
		old = atomic_get(&conn->ref);
		if (old == 0) {
			return NULL; /* freed: no resurrection */
		}
	} while (!atomic_cas(&conn->ref, old, old + 1));
	return conn;
}

void bt_conn_unref(struct bt_conn *conn)
{
	if (!conn) {
		return;
	}
	atomic_val_t old;
	do {
		old = atomic_get(&conn->ref);
		if (old == 0) {
			return; /* an unbalanced unref must not wrap around */
		}
	} while (!atomic_cas(&conn->ref, old, old - 1));
}

static struct bt_conn *conn_by_handle(struct zble_host *host, uint16_t handle)
{
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		if (atomic_get(&c->ref) && c->handle == handle &&
		    (c->state == BT_CONN_STATE_CONNECTED || c->state == BT_CONN_STATE_DISCONNECTING)) {
			return c;
		}
	}
	return NULL;
}

struct bt_conn *zble_conn_lookup_handle(struct zble_host *host, uint16_t handle)
{
	return bt_conn_ref(conn_by_handle(host, handle));
}

static struct bt_conn *conn_initiating(struct zble_host *host)
{
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		if (atomic_get(&c->ref) && c->state == BT_CONN_STATE_CONNECTING) {
			return c;
		}
	}
	return NULL;
}

static void notify_connected(struct zble_host *host, struct bt_conn *conn, uint8_t err)
{
	SYS_SLIST_FOR_EACH_NODE_SAFE(&host->conn_cbs, n, s) {
		struct bt_conn_cb *cb = CONTAINER_OF(n, struct bt_conn_cb, _node);
		if (cb->connected) {
			cb->connected(conn, err);
		}
	}
}

static void notify_disconnected(struct zble_host *host, struct bt_conn *conn, uint8_t reason)
{
	SYS_SLIST_FOR_EACH_NODE_SAFE(&host->conn_cbs, n, s) {
		struct bt_conn_cb *cb = CONTAINER_OF(n, struct bt_conn_cb, _node);
		if (cb->disconnected) {
			cb->disconnected(conn, reason);
		}
	}
}

/* The host's own reference ends with the link. */
static void conn_gone(struct bt_conn *conn)
{
	k_work_cancel_delayable(&conn->proc_timeout);
	zble_acl_conn_reset(conn->host, conn);
	conn->state = BT_CONN_STATE_DISCONNECTED;
	conn->handle = NO_HANDLE;
	bt_conn_unref(conn);
}

static void conn_disconnected(struct zble_host *host, struct bt_conn *conn, uint8_t reason)
{
	conn->state = BT_CONN_STATE_DISCONNECTED;
	/* Keep the object alive through the callbacks. */
	bt_conn_ref(conn);
	zble_l2cap_conn_disconnected(conn);
	notify_disconnected(host, conn, reason);
	conn_gone(conn);
	bt_conn_unref(conn);
}

/* A Disconnect's completion names its link by object and handle: the
 * object may have been released (an overdue disconnection) and be another
 * link's by the time the answer comes. */
static void *disconnect_arg(struct bt_conn *conn)
{
	return (void *)(uintptr_t)(((uintptr_t)bt_conn_index(conn) << 16) | conn->handle);
}

static void disconnect_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	uintptr_t a = (uintptr_t)arg;
	struct bt_conn *conn = &host->conns[(a >> 16) % CONFIG_BT_MAX_CONN];
	if (!atomic_get(&conn->ref) || conn->handle != (uint16_t)a) {
		return; /* that link is gone already */
	}
	if (status == BT_HCI_ERR_UNKNOWN_CONN_ID && conn->state != BT_CONN_STATE_DISCONNECTED) {
		/* The controller has no such link: its Disconnection Complete
		 * was lost. End it here, or the object, its queued data and
		 * the controller credits it holds would never come back. When
		 * the host was ending it anyway (the retry of an overdue
		 * disconnection) that is what the controller would have said. */
		conn_disconnected(host, conn,
				  conn->disc_retried ? BT_HCI_ERR_LOCALHOST_TERM_CONN : BT_HCI_ERR_UNKNOWN_CONN_ID);
	} else if (status && conn->state == BT_CONN_STATE_DISCONNECTING && !conn->disc_retried) {
		/* Refused: the link stays. (A refused retry is left to the
		 * disconnection's bound, which releases the link.) */
		k_work_cancel_delayable(&conn->proc_timeout);
		conn->state = BT_CONN_STATE_CONNECTED;
		host->stats.async_errors++;
	}
}

/* The LL ends a link within its supervision timeout (T_Terminate, Vol 6
 * Part B 5.1.1); the margin covers the HCI transport. */
static k_timeout_t disconnect_bound(const struct bt_conn *conn)
{
	return K_MSEC((uint32_t)conn->timeout * 10u + ZBLE_DISCONNECT_MARGIN_MS);
}

static void send_disconnect(struct zble_host *host, uint16_t handle, uint8_t reason, struct bt_conn *conn,
			    struct zble_sync *sync)
{
	uint8_t cp[3];
	sys_put_le16(handle, cp);
	cp[2] = reason;
	(void)zble_hci_cmd_send(host, BT_HCI_OP_DISCONNECT, cp, sizeof(cp), conn ? disconnect_done : NULL,
				conn ? disconnect_arg(conn) : NULL, sync);
}

/* Whether a connection may complete soon: the host initiates one or
 * advertises connectably. */
static bool creating(struct zble_host *host)
{
	if (conn_initiating(host) || (host->adv.enabled && host->adv.connectable)) {
		return true;
	}
	for (int i = 0; i < CONFIG_BT_EXT_ADV_MAX_ADV_SET; i++) {
		const struct bt_le_ext_adv *a = &host->ext_adv[i];
		if (a->used && a->enabled && a->connectable) {
			return true;
		}
	}
	return false;
}

/* The reason of a Disconnection Complete for handle that overtook its LE
 * Connection Complete, or 0 (taken: it is used once). */
static uint8_t take_early_disconnect(struct zble_host *host, uint16_t handle)
{
	int64_t now = k_uptime_get();
	uint8_t reason = 0;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		if (host->early_disc[i].handle == NO_HANDLE) {
			continue;
		}
		if (host->early_disc[i].until <= now) {
			host->early_disc[i].handle = NO_HANDLE; /* stale: a link long gone */
		} else if (host->early_disc[i].handle == handle && !reason) {
			host->early_disc[i].handle = NO_HANDLE;
			reason = host->early_disc[i].reason;
		}
	}
	return reason;
}

static void on_conn_complete(struct zble_host *host, const struct conn_complete *cc)
{
	struct bt_conn *conn;

	/* A Connection_Handle names one live link (Vol 4 Part E 5.3.1): a
	 * second complete for a handle that is live is a controller fault
	 * (a duplicated event). It creates nothing, and it neither ends nor
	 * claims anything: not the live link (a Disconnect for the handle
	 * would kill it), not a connection being created, not the
	 * advertiser's state. Counted as malformed. */
	if (cc->status == 0 && conn_by_handle(host, cc->handle)) {
		host->stats.malformed++;
		return;
	}

	if (cc->role == BT_HCI_ROLE_PERIPHERAL) {
		/* Legacy advertising ends with a connection or a directed timeout. */
		if (!host->ext) {
			host->adv.enabled = false;
		}
		if (cc->status) {
			return;
		}
		if (host->ext) {
			/* Before the connected callbacks, so they may restart it. */
			zble_adv_conn_created(host, cc->adv_handle, cc->handle);
		}
		/* The advertiser produced it: a new object, matched by role. */
		conn = conn_alloc(host);
		if (!conn) {
			send_disconnect(host, cc->handle, BT_HCI_ERR_REMOTE_LOW_RESOURCES, NULL, NULL);
			return;
		}
		conn->role = BT_CONN_ROLE_PERIPHERAL;
	} else {
		conn = conn_initiating(host);
		if (!conn) {
			if (!cc->status) {
				/* Nobody asked for it (e.g. cancelled too late). */
				send_disconnect(host, cc->handle, BT_HCI_ERR_REMOTE_USER_TERM_CONN, NULL, NULL);
			}
			return;
		}
		k_work_cancel_delayable(&conn->proc_timeout);
		if (cc->status) {
			uint8_t err = conn->pending_err ? conn->pending_err : cc->status;
			notify_connected(host, conn, err);
			conn_gone(conn);
			return;
		}
	}

	conn->handle = cc->handle;
	bt_addr_le_copy(&conn->dst, &cc->peer);
	conn->interval = cc->interval;
	conn->latency = cc->latency;
	conn->timeout = cc->timeout;
	conn->state = BT_CONN_STATE_CONNECTED;
	conn->sec_level = BT_SECURITY_L1;
	conn->enc_key_size = 0;
	conn->has_ltk = false;
	zble_conn_link_init(conn);
	zble_l2cap_conn_connected(conn);
	notify_connected(host, conn, 0);

	/* A Disconnection Complete that overtook this event. */
	uint8_t early = take_early_disconnect(host, cc->handle);
	if (early) {
		conn_disconnected(host, conn, early);
	}
}

static void evt_le_conn_complete(struct zble_host *host, const uint8_t *p, size_t len, bool enhanced, bool v2)
{
	/* Legacy: 18 bytes; enhanced: 30 (v1) or 33 (v2). */
	if (len < (v2 ? 33u : enhanced ? 30u : 18u)) {
		host->stats.malformed++;
		return;
	}
	struct conn_complete cc = {
		.status = p[0],
		.handle = sys_get_le16(p + 1) & 0x0fff,
		.role = p[3],
		.adv_handle = 0xff,
	};
	cc.peer.type = p[4];
	memcpy(cc.peer.a.val, p + 5, 6);
	const uint8_t *t = p + (enhanced ? 23 : 11);
	cc.interval = sys_get_le16(t);
	cc.latency = sys_get_le16(t + 2);
	cc.timeout = sys_get_le16(t + 4);
	/* Some controllers report identity types in the legacy event. */
	if (!enhanced && cc.peer.type > BT_ADDR_LE_RANDOM) {
		cc.peer.type &= 0x01;
	}
	if (cc.role > BT_HCI_ROLE_PERIPHERAL) {
		host->stats.malformed++;
		return;
	}
	if (v2) {
		cc.adv_handle = p[30]; /* v2: the set that produced a peripheral link */
	}
	on_conn_complete(host, &cc);
}

void zble_conn_evt_disconnect_complete(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 4) {
		host->stats.malformed++;
		return;
	}
	if (p[0]) {
		return; /* the Disconnect command failed; the link stays */
	}
	uint16_t handle = sys_get_le16(p + 1) & 0x0fff;
	struct bt_conn *conn = conn_by_handle(host, handle);
	if (!conn) {
		/* Possibly ahead of its connection complete: remember it, but
		 * only while a connection is being created and only briefly,
		 * so a stray one (a duplicate, a link the host already
		 * released) never ends a later link that reuses the handle. */
		(void)take_early_disconnect(host, NO_HANDLE); /* drops the stale ones */
		if (!creating(host) || p[3] == 0) {
			host->stats.unexpected_disconnects++;
			return;
		}
		for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
			if (host->early_disc[i].handle == NO_HANDLE) {
				host->early_disc[i].handle = handle;
				host->early_disc[i].reason = p[3];
				host->early_disc[i].until = k_uptime_get() + ZBLE_EARLY_DISCONNECT_MS;
				return;
			}
		}
		host->stats.unexpected_disconnects++;
		return;
	}
	conn_disconnected(host, conn, p[3]);
}

static void evt_conn_update_complete(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 9) {
		host->stats.malformed++;
		return;
	}
	struct bt_conn *conn = conn_by_handle(host, sys_get_le16(p + 1) & 0x0fff);
	if (!conn || p[0]) {
		return;
	}
	conn->interval = sys_get_le16(p + 3);
	conn->latency = sys_get_le16(p + 5);
	conn->timeout = sys_get_le16(p + 7);
	SYS_SLIST_FOR_EACH_NODE_SAFE(&host->conn_cbs, n, s) {
		struct bt_conn_cb *cb = CONTAINER_OF(n, struct bt_conn_cb, _node);
		if (cb->le_param_updated) {
			cb->le_param_updated(conn, conn->interval, conn->latency, conn->timeout);
		}
	}
}

static bool param_valid(const struct bt_le_conn_param *p)
{
	return p->interval_min >= 6 && p->interval_max <= 3200 && p->interval_min <= p->interval_max &&
	       p->latency <= 499 && p->timeout >= 10 && p->timeout <= 3200 &&
	       /* the supervision timeout must outlast the effective interval */
	       (uint32_t)p->timeout * 4 > (1u + p->latency) * p->interval_max;
}

bool zble_conn_param_acceptable(struct bt_conn *conn, struct bt_le_conn_param *param)
{
	bool accept = conn && param_valid(param);
	SYS_SLIST_FOR_EACH_NODE_SAFE(&conn->host->conn_cbs, n, s) {
		struct bt_conn_cb *cb = CONTAINER_OF(n, struct bt_conn_cb, _node);
		if (accept && cb->le_param_req && !cb->le_param_req(conn, param)) {
			accept = false;
		}
	}
	return accept;
}

int zble_conn_update(struct bt_conn *conn, const struct bt_le_conn_param *param, struct zble_sync *s)
{
	uint8_t cp[14];
	sys_put_le16(conn->handle, cp);
	put_conn_param(cp + 2, param);
	return zble_hci_cmd_send(conn->host, BT_HCI_OP_LE_CONN_UPDATE, cp, sizeof(cp), NULL, NULL, s);
}

/* The peer asks for new parameters (LL procedure): the application may refuse. */
static void evt_conn_param_req(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 10) {
		host->stats.malformed++;
		return;
	}
	uint16_t handle = sys_get_le16(p) & 0x0fff;
	struct bt_le_conn_param param = { sys_get_le16(p + 2), sys_get_le16(p + 4), sys_get_le16(p + 6),
					  sys_get_le16(p + 8) };
	struct bt_conn *conn = conn_by_handle(host, handle);
	if (conn && zble_conn_param_acceptable(conn, &param)) {
		uint8_t cp[14];
		sys_put_le16(handle, cp);
		put_conn_param(cp + 2, &param);
		(void)zble_hci_cmd_send(host, BT_HCI_OP_LE_CONN_PARAM_REQ_REPLY, cp, sizeof(cp), NULL, NULL, NULL);
	} else {
		uint8_t cp[3];
		sys_put_le16(handle, cp);
		cp[2] = BT_HCI_ERR_UNACCEPT_CONN_PARAM;
		(void)zble_hci_cmd_send(host, BT_HCI_OP_LE_CONN_PARAM_REQ_NEG_REPLY, cp, sizeof(cp), NULL, NULL, NULL);
	}
}

void zble_le_meta_event(struct zble_host *host, uint8_t subevent, const uint8_t *p, size_t len)
{
	switch (subevent) {
	case BT_HCI_EVT_LE_CONN_COMPLETE:
		evt_le_conn_complete(host, p, len, false, false);
		break;
	case BT_HCI_EVT_LE_ENH_CONN_COMPLETE:
		evt_le_conn_complete(host, p, len, true, false);
		break;
	case BT_HCI_EVT_LE_ENH_CONN_COMPLETE_V2:
		evt_le_conn_complete(host, p, len, true, true);
		break;
	case BT_HCI_EVT_LE_ADVERTISING_REPORT:
		zble_scan_evt_adv_report(host, p, len);
		break;
	case BT_HCI_EVT_LE_CONN_UPDATE_COMPLETE:
		evt_conn_update_complete(host, p, len);
		break;
	case BT_HCI_EVT_LE_CONN_PARAM_REQ:
		evt_conn_param_req(host, p, len);
		break;
	case BT_HCI_EVT_LE_DATA_LEN_CHANGE:
		zble_conn_evt_data_len_change(host, p, len);
		break;
	case BT_HCI_EVT_LE_PHY_UPDATE_COMPLETE:
		zble_conn_evt_phy_update_complete(host, p, len);
		break;
	case BT_HCI_EVT_LE_LTK_REQUEST:
		zble_conn_evt_ltk_request(host, p, len);
		break;
	case BT_HCI_EVT_LE_REMOTE_FEAT_COMPLETE:
	case BT_HCI_EVT_LE_DIRECT_ADV_REPORT:
		break;
	case BT_HCI_EVT_LE_EXT_ADVERTISING_REPORT:
		zble_scan_evt_ext_adv_report(host, p, len);
		break;
	case BT_HCI_EVT_LE_ADV_SET_TERMINATED:
		zble_adv_evt_set_terminated(host, p, len);
		break;
	case BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE:
	case BT_HCI_EVT_LE_GENERATE_DHKEY_COMPLETE:
		zble_crypto_le_meta(host, subevent, p, len);
		break;
	default:
		host->stats.unknown_events++;
		break;
	}
}

/* ---- creating connections ---- */

static void create_cancel_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	struct bt_conn *conn = arg;
	/* Refused: the controller is not initiating any more, so the
	 * connection complete that would settle the object is not coming (or
	 * was lost). Report the failure rather than leave it initiating. A
	 * link that completes after all finds no initiator and is dropped. */
	if (status && conn->state == BT_CONN_STATE_CONNECTING) {
		host->stats.async_errors++;
		k_work_cancel_delayable(&conn->proc_timeout);
		notify_connected(host, conn, conn->pending_err ? conn->pending_err : BT_HCI_ERR_UNKNOWN_CONN_ID);
		conn_gone(conn);
	}
}

/* How soon a cancel that found the command pool empty is tried again. */
#define ZBLE_CREATE_CANCEL_RETRY_MS 100

/* Cancels an outgoing connection; its outcome (err) is reported when the
 * connection complete for the cancel arrives. A cancel that cannot even be
 * queued (command pool empty) is not marked as sent: the create timeout
 * tries again shortly, so the object never stays initiating for good and
 * the caller's cancel still takes effect. */
static void create_cancel(struct zble_host *host, struct bt_conn *conn, uint8_t err, struct zble_sync *sync)
{
	if (zble_hci_cmd_send(host, BT_HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0, create_cancel_done, conn, sync)) {
		host->stats.async_errors++;
		k_work_reschedule_for_queue(&host->wq, &conn->proc_timeout, K_MSEC(ZBLE_CREATE_CANCEL_RETRY_MS));
		return;
	}
	conn->pending_err = err;
}

/* The Disconnection Complete is overdue (lost by the controller or on the
 * transport). First ask again: a controller without the link answers
 * Unknown Connection Identifier and disconnect_done releases it. If even
 * that brings nothing, the host releases the link itself, so the object,
 * its data and its peer are never held for good. */
static void disconnect_overdue(struct zble_host *host, struct bt_conn *conn)
{
	host->stats.disconnect_timeouts++;
	if (!conn->disc_retried) {
		conn->disc_retried = true;
		send_disconnect(host, conn->handle, BT_HCI_ERR_REMOTE_USER_TERM_CONN, conn, NULL);
		k_work_reschedule_for_queue(&host->wq, &conn->proc_timeout, disconnect_bound(conn));
	} else {
		conn_disconnected(host, conn, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	}
}

static void conn_timeout_handler(struct k_work *work)
{
	struct bt_conn *conn = CONTAINER_OF(k_work_delayable_from_work(work), struct bt_conn, proc_timeout);
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	if (atomic_get(&conn->ref) && conn->state == BT_CONN_STATE_CONNECTING && !conn->pending_err) {
		/* Reported as the cancel's connection complete arrives. */
		create_cancel(host, conn, BT_HCI_ERR_UNKNOWN_CONN_ID, NULL);
	} else if (atomic_get(&conn->ref) && conn->state == BT_CONN_STATE_DISCONNECTING) {
		disconnect_overdue(host, conn);
	}
	k_mutex_unlock(&host->lock);
}

static void create_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	struct bt_conn *conn = arg;
	if (status && conn->state == BT_CONN_STATE_CONNECTING) {
		/* Refused at once: the outcome still reaches the callback. */
		k_work_cancel_delayable(&conn->proc_timeout);
		notify_connected(host, conn, status);
		conn_gone(conn);
	}
}

int bt_conn_le_create(const bt_addr_le_t *peer, const struct bt_conn_le_create_param *create_param,
		      const struct bt_le_conn_param *conn_param, struct bt_conn **ret_conn)
{
	if (!peer || !create_param || !conn_param || !ret_conn || !param_valid(conn_param) ||
	    peer->type > BT_ADDR_LE_RANDOM || create_param->window > create_param->interval ||
	    create_param->interval < 4) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	int err = 0;
	if (!host->ready) {
		err = -EAGAIN;
	} else if (conn_initiating(host)) {
		err = -EALREADY;
	} else {
		struct bt_conn *existing = bt_conn_lookup_addr_le(BT_ID_DEFAULT, peer);
		if (existing) {
			bt_conn_unref(existing);
			err = -EINVAL;
		}
	}
	struct bt_conn *conn = err ? NULL : conn_alloc(host);
	if (!err && !conn) {
		err = -ENOMEM;
	}
	if (err) {
		zble_api_exit(host);
		return err;
	}
	conn->role = BT_CONN_ROLE_CENTRAL;
	conn->state = BT_CONN_STATE_CONNECTING;
	bt_addr_le_copy(&conn->dst, peer);

	uint8_t cp[26];
	uint8_t len;
	uint16_t opcode;
	if (host->ext) {
		/* Extended: 1M only; the enhanced connection complete follows. */
		cp[0] = 0;
		cp[1] = host->id_addr.type;
		cp[2] = peer->type;
		memcpy(cp + 3, peer->a.val, 6);
		cp[9] = BIT(0);
		sys_put_le16(create_param->interval, cp + 10);
		sys_put_le16(create_param->window, cp + 12);
		put_conn_param(cp + 14, conn_param);
		opcode = BT_HCI_OP_LE_EXT_CREATE_CONN;
		len = 26;
	} else {
		sys_put_le16(create_param->interval, cp);
		sys_put_le16(create_param->window, cp + 2);
		cp[4] = 0; /* no filter accept list */
		cp[5] = peer->type;
		memcpy(cp + 6, peer->a.val, 6);
		cp[12] = host->id_addr.type;
		put_conn_param(cp + 13, conn_param);
		opcode = BT_HCI_OP_LE_CREATE_CONN;
		len = 25;
	}

	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	err = zble_hci_cmd_send(host, opcode, cp, len, create_done, conn, s);
	if (err) {
		conn_gone(conn);
		zble_api_exit(host);
		return err;
	}
	uint32_t timeout_ms = create_param->timeout ? create_param->timeout * 10u : CONFIG_BT_CREATE_CONN_TIMEOUT * 1000u;
	k_work_reschedule_for_queue(&host->wq, &conn->proc_timeout, K_MSEC(timeout_ms));
	*ret_conn = bt_conn_ref(conn);
	err = zble_sync_wait(host, s);
	if (err) {
		/* Refused: the connected callback has reported it already. */
		bt_conn_unref(*ret_conn);
		*ret_conn = NULL;
	}
	zble_api_exit(host);
	return err;
}

int bt_conn_disconnect(struct bt_conn *conn, uint8_t reason)
{
	if (!conn || !atomic_get(&conn->ref)) {
		return -EINVAL;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	int err = 0;
	switch (conn->state) {
	case BT_CONN_STATE_CONNECTING:
		if (!conn->pending_err) {
			create_cancel(host, conn, BT_HCI_ERR_UNKNOWN_CONN_ID, s);
		}
		break;
	case BT_CONN_STATE_CONNECTED:
		conn->state = BT_CONN_STATE_DISCONNECTING;
		conn->disc_retried = false;
		send_disconnect(host, conn->handle, reason, conn, s);
		k_work_reschedule_for_queue(&host->wq, &conn->proc_timeout, disconnect_bound(conn));
		break;
	case BT_CONN_STATE_DISCONNECTING:
		err = -EALREADY;
		break;
	default:
		err = -ENOTCONN;
		break;
	}
	if (!err) {
		err = zble_sync_wait(host, s);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_conn_le_param_update(struct bt_conn *conn, const struct bt_le_conn_param *param)
{
	if (!conn || !param || !param_valid(param)) {
		return -EINVAL;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	int err;
	if (conn->state != BT_CONN_STATE_CONNECTED) {
		err = -ENOTCONN;
	} else if (conn->role == BT_CONN_ROLE_PERIPHERAL &&
		   !zble_le_feature(host, BT_LE_FEAT_BIT_CONN_PARAM_REQ)) {
		/* No LL procedure: ask the central over L2CAP signalling; the
		 * outcome arrives as le_param_updated (or not at all). */
		err = zble_l2cap_conn_param_request(conn, param);
	} else {
		err = zble_conn_update(conn, param, s);
	}
	return zble_api_finish(host, s, err);
}

/* ---- queries and registration ---- */

int bt_conn_cb_register(struct bt_conn_cb *cb)
{
	struct zble_host *host = zble_api_enter();
	if (!host || !cb) {
		if (host) {
			zble_api_exit(host);
		}
		return -EINVAL;
	}
	int err = 0;
	if (sys_slist_find_and_remove(&host->conn_cbs, &cb->_node)) {
		err = -EEXIST;
	}
	sys_slist_append(&host->conn_cbs, &cb->_node);
	zble_api_exit(host);
	return err;
}

int bt_conn_cb_unregister(struct bt_conn_cb *cb)
{
	struct zble_host *host = zble_api_enter();
	if (!host || !cb) {
		if (host) {
			zble_api_exit(host);
		}
		return -EINVAL;
	}
	bool found = sys_slist_find_and_remove(&host->conn_cbs, &cb->_node);
	zble_api_exit(host);
	return found ? 0 : -ENOENT;
}

int bt_conn_get_info(const struct bt_conn *conn, struct bt_conn_info *info)
{
	if (!conn || !info) {
		return -EINVAL;
	}
	*info = (struct bt_conn_info){
		.type = BT_CONN_TYPE_LE,
		.role = conn->role,
		.id = conn->id,
		.state = conn->state,
		.le = { .src = &conn->local, .dst = &conn->dst, .local = &conn->local, .remote = &conn->dst,
			.interval = conn->interval, .latency = conn->latency, .timeout = conn->timeout,
			.phy = &conn->phy, .data_len = &conn->data_len },
		.security = { .level = (bt_security_t)conn->sec_level, .enc_key_size = conn->enc_key_size },
	};
	return 0;
}

const bt_addr_le_t *bt_conn_get_dst(const struct bt_conn *conn)
{
	return conn ? &conn->dst : NULL;
}

uint8_t bt_conn_index(const struct bt_conn *conn)
{
	return (uint8_t)(conn - conn->host->conns);
}

void bt_conn_foreach(enum bt_conn_type type, void (*func)(struct bt_conn *conn, void *data), void *data)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return;
	}
	for (int i = 0; func && (type & BT_CONN_TYPE_LE) && i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = bt_conn_ref(&host->conns[i]);
		if (c) {
			if (c->state != BT_CONN_STATE_DISCONNECTED) {
				func(c, data);
			}
			bt_conn_unref(c);
		}
	}
	zble_api_exit(host);
}

struct bt_conn *bt_conn_lookup_addr_le(uint8_t id, const bt_addr_le_t *peer)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return NULL;
	}
	struct bt_conn *found = NULL;
	for (int i = 0; peer && !found && i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = bt_conn_ref(&host->conns[i]);
		if (c) {
			if (c->id == id && c->state != BT_CONN_STATE_DISCONNECTED && bt_addr_le_eq(&c->dst, peer)) {
				found = c;
			} else {
				bt_conn_unref(c);
			}
		}
	}
	zble_api_exit(host);
	return found;
}

/* Drops every link without callbacks (bt_disable, deinit). */
void zble_conn_teardown(struct zble_host *host)
{
	zble_gatt_server_teardown(host);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		k_work_cancel_delayable(&c->proc_timeout);
		if (atomic_get(&c->ref) && c->state != BT_CONN_STATE_DISCONNECTED) {
			if (c->state != BT_CONN_STATE_CONNECTING) {
				/* Its channels close and pending ATT work fails now,
				 * seeing the link gone as on a real disconnection. */
				c->state = BT_CONN_STATE_DISCONNECTED;
				zble_l2cap_conn_disconnected(c);
			}
			conn_gone(c);
		}
		host->early_disc[i].handle = NO_HANDLE;
	}
}

void zble_conn_all_lost(struct zble_host *host, uint8_t reason)
{
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *c = &host->conns[i];
		host->early_disc[i].handle = NO_HANDLE;
		if (!atomic_get(&c->ref) || c->state == BT_CONN_STATE_DISCONNECTED) {
			continue;
		}
		if (c->state == BT_CONN_STATE_CONNECTING) {
			/* As a cancelled create: the connected callback fails. */
			k_work_cancel_delayable(&c->proc_timeout);
			notify_connected(host, c, c->pending_err ? c->pending_err : BT_HCI_ERR_UNKNOWN_CONN_ID);
			conn_gone(c);
		} else {
			conn_disconnected(host, c, reason);
		}
	}
}

bt_security_t bt_conn_get_security(const struct bt_conn *conn)
{
	return conn ? (bt_security_t)conn->sec_level : BT_SECURITY_L0;
}

uint8_t bt_conn_enc_key_size(const struct bt_conn *conn)
{
	return conn ? conn->enc_key_size : 0;
}
