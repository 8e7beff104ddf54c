/* The core's life cycle, configuration, locking and event delivery, and
 * the connection table fed by the host's connection callbacks. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>

#include "mp_internal.h"

/* ---- calls, callbacks, events ---- */

int mp_enter(struct zble_mp *mp, struct mp_call *c)
{
	c->prev = zble_port_current_kernel();
	c->host = NULL;
	if (mp->state != MP_ACTIVE || !mp->host) {
		return ZBLE_MP_ENODEV;
	}
	c->host = mp->host;
	zble_port_set_current_kernel(c->host->kernel);
	k_mutex_lock(&c->host->lock, K_FOREVER);
	if (mp->state != MP_ACTIVE) {
		mp_exit(c);
		return ZBLE_MP_ENODEV;
	}
	return 0;
}

void mp_exit(struct mp_call *c)
{
	if (c->host) {
		k_mutex_unlock(&c->host->lock);
	}
	zble_port_set_current_kernel(c->prev);
}

struct zble_mp *mp_from_host(struct zble_host *host)
{
	return host ? host->gatts.owner : NULL;
}

struct zble_mp *mp_cb_enter(struct bt_conn *conn)
{
	struct zble_host *host = conn ? conn->host : zble_host_current();
	struct zble_mp *mp = mp_from_host(host);
	if (mp) {
		k_mutex_lock(&host->lock, K_FOREVER);
	}
	return mp;
}

void mp_cb_exit(struct zble_mp *mp)
{
	if (mp) {
		k_mutex_unlock(&mp->host->lock);
	}
}

int mp_emit(struct zble_mp *mp, struct zble_mp_event *ev, int dflt)
{
	if (mp->state != MP_ACTIVE || !mp->port->irq) {
		return dflt;
	}
	/* Counted only when the upcall runs inside a core call of the
	 * application's thread (SCAN_DONE from gap_scan_stop, ...): there a
	 * life-cycle change would pull the host from under that call. Upcalls
	 * on host threads (or in coop callbacks) are refused by
	 * zble_kernel_may_block() instead, so another thread's upcall never
	 * blocks the application's active(). Atomic: read without the lock. */
	bool app = zble_kernel_may_block(mp->host->kernel);
	if (app) {
		__atomic_add_fetch(&mp->upcall_depth, 1, __ATOMIC_SEQ_CST);
	}
	int r = mp->port->irq(mp->port_ctx, ev);
	if (app) {
		__atomic_sub_fetch(&mp->upcall_depth, 1, __ATOMIC_SEQ_CST);
	}
	return r;
}

bool mp_batch_begin(struct zble_mp *mp)
{
	if (mp->state != MP_ACTIVE || !mp->port->irq_batch) {
		return false;
	}
	mp->port->irq_batch(mp->port_ctx, true);
	return true;
}

void mp_batch_end(struct zble_mp *mp, bool begun)
{
	if (begun) {
		mp->port->irq_batch(mp->port_ctx, false);
	}
}

int mp_errno(int neg)
{
	switch (-neg) {
	case 0:
		return 0;
	case EINVAL:
	case EMSGSIZE:
	case ENOENT:
		return ZBLE_MP_EINVAL;
	case ENOMEM:
	case ENOBUFS:
	case EAGAIN:
		return ZBLE_MP_ENOMEM;
	case ENOTCONN:
	case ESHUTDOWN:
		return ZBLE_MP_ENOTCONN;
	case EALREADY:
	case EADDRINUSE:
		return ZBLE_MP_EALREADY;
	case EBUSY:
	case EDEADLK:
	case EACCES: /* the controller's Command Disallowed: not in this state */
		return ZBLE_MP_EBUSY;
	case ECONNREFUSED: /* the controller's Connection Limit Exceeded */
		return ZBLE_MP_ENOMEM;
	case ETIMEDOUT:
		return ZBLE_MP_ETIMEDOUT;
	case ENOTSUP:
		return ZBLE_MP_EOPNOTSUPP;
	case ENODEV:
		return ZBLE_MP_ENODEV;
	default:
		return ZBLE_MP_EIO;
	}
}

void mp_addr_from_le(const bt_addr_le_t *a, uint8_t *type, uint8_t be[6])
{
	*type = a->type & 1; /* identity types (2, 3) as public/random */
	for (int i = 0; i < 6; i++) {
		be[i] = a->a.val[5 - i];
	}
}

bool mp_uuid_valid(const struct zble_mp_uuid *u)
{
	return u && (u->type == 2 || u->type == 4 || u->type == 16);
}

void mp_uuid_to_bt(const struct zble_mp_uuid *in, union bt_uuid_any *out)
{
	(void)bt_uuid_create(&out->uuid, in->data, in->type);
}

void mp_uuid_from_bt(const struct bt_uuid *in, struct zble_mp_uuid *out)
{
	memset(out, 0, sizeof(*out));
	switch (in->type) {
	case BT_UUID_TYPE_16:
		out->type = 2;
		out->data[0] = (uint8_t)BT_UUID_16(in)->val;
		out->data[1] = (uint8_t)(BT_UUID_16(in)->val >> 8);
		break;
	case BT_UUID_TYPE_32:
		out->type = 4;
		for (int i = 0; i < 4; i++) {
			out->data[i] = (uint8_t)(BT_UUID_32(in)->val >> (8 * i));
		}
		break;
	default:
		out->type = 16;
		memcpy(out->data, BT_UUID_128(in)->val, 16);
		break;
	}
}

/* ---- connection table ---- */

uint16_t mp_conn_handle(const struct bt_conn *conn)
{
	return conn->handle;
}

struct zble_mp_conn *mp_conn_find(struct zble_mp *mp, uint16_t handle)
{
	for (int i = 0; i < ZBLE_MP_MAX_CONN; i++) {
		struct zble_mp_conn *c = &mp->conns[i];
		if (c->conn && c->handle == handle) {
			return c;
		}
	}
	return NULL;
}

struct zble_mp_conn *mp_conn_of(struct zble_mp *mp, const struct bt_conn *conn)
{
	for (int i = 0; i < ZBLE_MP_MAX_CONN; i++) {
		if (mp->conns[i].conn == conn) {
			return &mp->conns[i];
		}
	}
	return NULL;
}

void mp_conns_reset(struct zble_mp *mp)
{
	for (int i = 0; i < ZBLE_MP_MAX_CONN; i++) {
		if (mp->conns[i].conn) {
			bt_conn_unref(mp->conns[i].conn);
		}
	}
	memset(mp->conns, 0, sizeof(mp->conns));
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	struct zble_mp *mp = mp_cb_enter(conn);
	if (mp) {
		mp_gap_on_connected(mp, conn, err);
	}
	mp_cb_exit(mp);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)reason;
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return;
	}
	struct zble_mp_conn *c = mp_conn_of(mp, conn);
	if (c) {
		struct zble_mp_event ev = { .code = c->central_role ? ZBLE_MP_IRQ_PERIPHERAL_DISCONNECT
								    : ZBLE_MP_IRQ_CENTRAL_DISCONNECT,
					    .conn_handle = c->handle,
					    .addr_type = c->addr_type };
		memcpy(ev.addr, c->addr, 6);
		/* The slot is free before the handler runs: it may connect again. */
		c->conn = NULL;
		mp->disc_pending[c - mp->conns] = false; /* never inherited by the slot's next link */
		bt_conn_unref(conn);
		(void)mp_emit(mp, &ev, 0);
	}
	mp_cb_exit(mp);
}

static void on_param_updated(struct bt_conn *conn, uint16_t interval, uint16_t latency, uint16_t timeout)
{
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return;
	}
	struct zble_mp_conn *c = mp_conn_of(mp, conn);
	if (c) {
		struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_CONNECTION_UPDATE,
					    .conn_handle = c->handle,
					    .conn_interval = interval,
					    .conn_latency = latency,
					    .supervision_timeout = timeout };
		(void)mp_emit(mp, &ev, 0);
	}
	mp_cb_exit(mp);
}

static void on_mtu_updated(struct bt_conn *conn, uint16_t tx, uint16_t rx)
{
	(void)rx;
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return;
	}
	struct zble_mp_conn *c = mp_conn_of(mp, conn);
	if (c) {
		struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_MTU_EXCHANGED, .conn_handle = c->handle, .mtu = tx };
		(void)mp_emit(mp, &ev, 0);
	}
	mp_cb_exit(mp);
}

/* ---- life cycle ---- */

int zble_mp_init(struct zble_mp *mp, const struct zble_mp_port *port, void *port_ctx, uint8_t *arena,
		 size_t arena_size)
{
	if (!mp || !port || !port->open || !port->close || (!arena && arena_size)) {
		return ZBLE_MP_EINVAL;
	}
	memset(mp, 0, sizeof(*mp));
	mp->port = port;
	mp->port_ctx = port_ctx;
	mp->arena = arena;
	mp->arena_size = arena_size;
	mp->mtu = 256;
	mp->io = ZBLE_MP_IO_NO_INPUT_OUTPUT;
	mp->enable_timeout_ms = ZBLE_MP_ENABLE_TIMEOUT_MS;
	mp->name_len = (uint8_t)MIN(strlen(ZBLE_MP_GAP_NAME_DEFAULT), (size_t)ZBLE_MP_GAP_NAME_MAX);
	memcpy(mp->name, ZBLE_MP_GAP_NAME_DEFAULT, mp->name_len);
	mp->conn_cb.connected = on_connected;
	mp->conn_cb.disconnected = on_disconnected;
	mp->conn_cb.le_param_updated = on_param_updated;
	mp->gatt_cb.att_mtu_updated = on_mtu_updated;
	return 0;
}

void zble_mp_set_enable_timeout(struct zble_mp *mp, uint32_t ms)
{
	mp->enable_timeout_ms = ms;
}

bool zble_mp_is_active(struct zble_mp *mp)
{
	return mp->state == MP_ACTIVE;
}

static void on_enabled(int err)
{
	struct zble_mp *mp = mp_from_host(zble_host_current());
	if (mp) {
		mp->enable_err = err;
		k_sem_give(&mp->enable_sem);
	}
}

/* Whether the caller may run a life-cycle change (never from an upcall or
 * a host/kernel thread: that would wait for itself). */
static bool may_change(struct zble_mp *mp)
{
	if (__atomic_load_n(&mp->upcall_depth, __ATOMIC_SEQ_CST)) {
		return false;
	}
	return !mp->host || zble_kernel_may_block(mp->host->kernel);
}

static void stop(struct zble_mp *mp)
{
	struct zble_host *host = mp->host;
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(host->kernel);
	k_mutex_lock(&host->lock, K_FOREVER);
	mp->state = MP_STOPPING;
	mp_gap_stop(mp);
	k_mutex_unlock(&host->lock);
	struct k_work_sync sync;
	(void)k_work_cancel_delayable_sync(&mp->scan_timer, &sync);
	(void)k_work_cancel_sync(&mp->disc_work, &sync);
	(void)bt_disable();
	k_mutex_lock(&host->lock, K_FOREVER);
	mp_l2cap_stop(mp);
	mp_conns_reset(mp);
	if (mp->connecting) {
		bt_conn_unref(mp->connecting);
		mp->connecting = NULL;
	}
	host->gatts.owner = NULL;
	host->gatts.value_hook = NULL;
	k_mutex_unlock(&host->lock);
	mp->port->close(mp->port_ctx, host);
	mp->host = NULL;
	mp->state = MP_OFF; /* the host's threads are gone */
	zble_port_set_current_kernel(prev);
}

static int start(struct zble_mp *mp)
{
	struct zble_host *host = NULL;
	int err = mp->port->open(mp->port_ctx, &host);
	if (err) {
		return err < 0 ? mp_errno(err) : err;
	}
	if (!host) {
		return ZBLE_MP_EIO;
	}
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(host->kernel);
	mp->host = host;
	mp->upcall_depth = 0;
	memset(mp->conns, 0, sizeof(mp->conns));
	mp->connecting = NULL;
	mp_gap_start(mp);
	mp_gatts_reset(mp);
	mp_l2cap_start(mp);
	mp_hci_start(mp);
	host->gatts.owner = mp;
	host->gatts.value_hook = mp_gattc_value_hook;
	host->gatts.att_mtu = mp->mtu;
	(void)bt_conn_cb_register(&mp->conn_cb);
	bt_gatt_cb_register(&mp->gatt_cb);
	k_sem_init(&mp->enable_sem, 0, 1);
	mp->enable_err = 0;
	err = bt_enable(on_enabled);
	if (!err) {
		err = k_sem_take(&mp->enable_sem, K_MSEC(mp->enable_timeout_ms)) ? -ETIMEDOUT : mp->enable_err;
	}
	if (err) {
		(void)bt_disable();
		host->gatts.owner = NULL;
		host->gatts.value_hook = NULL;
		mp->port->close(mp->port_ctx, host);
		mp->host = NULL;
		zble_port_set_current_kernel(prev);
		return err == -ETIMEDOUT || err == -ECANCELED ? ZBLE_MP_ETIMEDOUT : mp_errno(err);
	}
	char name[ZBLE_MP_GAP_NAME_MAX + 1];
	memcpy(name, mp->name, mp->name_len);
	name[mp->name_len] = 0;
	k_mutex_lock(&host->lock, K_FOREVER);
	(void)bt_set_name(name);
	mp->state = MP_ACTIVE; /* callbacks read it under the lock */
	k_mutex_unlock(&host->lock);
	zble_port_set_current_kernel(prev);
	return 0;
}

int zble_mp_active(struct zble_mp *mp, bool active)
{
	if (!may_change(mp)) {
		return ZBLE_MP_EBUSY;
	}
	if (mp->state == MP_ACTIVE) {
		stop(mp); /* active(True) while active restarts, as NimBLE */
	}
	return active ? start(mp) : 0;
}

void zble_mp_deinit(struct zble_mp *mp)
{
	if (mp->state == MP_ACTIVE && may_change(mp)) {
		stop(mp);
	}
}

/* ---- config ---- */

int zble_mp_get_mac(struct zble_mp *mp, uint8_t *addr_type, uint8_t addr[6])
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	if (n) {
		mp_addr_from_le(&id, addr_type, addr);
	} else {
		err = ZBLE_MP_EIO;
	}
	mp_exit(&c);
	return err;
}

int zble_mp_set_addr_mode(struct zble_mp *mp, uint8_t mode)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	bool public = n && (id.type & 1) == BT_ADDR_LE_PUBLIC;
	switch (mode) {
	case ZBLE_MP_ADDR_MODE_PUBLIC:
		err = public ? 0 : ZBLE_MP_EINVAL;
		break;
	case ZBLE_MP_ADDR_MODE_RANDOM:
		/* A static random identity is used when the controller has no
		 * public address; switching a public one needs identity
		 * management zble does not have yet. */
		err = public ? ZBLE_MP_EOPNOTSUPP : 0;
		break;
	case ZBLE_MP_ADDR_MODE_RPA:
	case ZBLE_MP_ADDR_MODE_NRPA:
		err = ZBLE_MP_EOPNOTSUPP;
		break;
	default:
		err = ZBLE_MP_EINVAL;
		break;
	}
	if (!err) {
		mp->addr_mode = mode;
	}
	mp_exit(&c);
	return err;
}

void zble_mp_get_gap_name(struct zble_mp *mp, const uint8_t **name, size_t *len)
{
	*name = mp->name;
	*len = mp->name_len;
}

int zble_mp_set_gap_name(struct zble_mp *mp, const uint8_t *name, size_t len)
{
	if (len > ZBLE_MP_GAP_NAME_MAX || (len && !name) || (len && memchr(name, 0, len))) {
		return ZBLE_MP_EINVAL;
	}
	struct mp_call c;
	bool active = mp_enter(mp, &c) == 0;
	if (len) {
		memcpy(mp->name, name, len);
	}
	mp->name[len] = 0;
	mp->name_len = (uint8_t)len;
	if (active) {
		(void)bt_set_name((const char *)mp->name);
		mp_exit(&c);
	}
	return 0;
}

int zble_mp_get_mtu(struct zble_mp *mp, uint16_t *mtu)
{
	if (mp->state != MP_ACTIVE) {
		return ZBLE_MP_ENODEV;
	}
	*mtu = mp->mtu;
	return 0;
}

int zble_mp_set_mtu(struct zble_mp *mp, uint16_t mtu)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (mtu < 23 || mtu > 517) {
		err = ZBLE_MP_EINVAL;
	} else {
		mp->mtu = mtu;
		c.host->gatts.att_mtu = mtu;
	}
	mp_exit(&c);
	return err;
}

int zble_mp_set_io(struct zble_mp *mp, uint8_t io)
{
	if (io > ZBLE_MP_IO_KEYBOARD_DISPLAY) {
		return ZBLE_MP_EINVAL;
	}
	mp->io = io;
	return 0;
}

void zble_mp_set_bond(struct zble_mp *mp, bool on)
{
	mp->bond = on;
}

void zble_mp_set_mitm(struct zble_mp *mp, bool on)
{
	mp->mitm = on;
}

void zble_mp_set_le_secure(struct zble_mp *mp, bool on)
{
	mp->le_secure = on;
}
