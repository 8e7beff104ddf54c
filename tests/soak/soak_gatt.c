/* The soak's two applications. The peripheral serves one characteristic
 * (read, write, notify; a CCC) and, when it is written, notifies the
 * cycle number in a burst of one to six notifications. The central's client runs a fixed chain from its callbacks:
 * Exchange MTU, discover the service, its characteristic and its CCC,
 * subscribe, read the value, write a new one, and once the write is
 * answered and the notification is in, it disconnects. Any error ends the
 * chain: recorded (the cycle "failed with a reported error") and the link
 * dropped. */
#include <stdio.h>
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/sys/byteorder.h>

#include "soak.h"

#define SVC_UUID BT_UUID_128_ENCODE(0x50a40001, 0x7a1e, 0x4b1e, 0x8000, 0x00805f9b34fbull)
#define CHR_UUID BT_UUID_128_ENCODE(0x50a40002, 0x7a1e, 0x4b1e, 0x8000, 0x00805f9b34fbull)

static const struct bt_uuid_128 svc_uuid = BT_UUID_INIT_128(SVC_UUID);
static const struct bt_uuid_128 chr_uuid = BT_UUID_INIT_128(CHR_UUID);

static const char *const step_names[STEP_COUNT] = {
	"idle", "connecting", "mtu", "discover-service", "discover-characteristic", "discover-ccc",
	"subscribe", "read", "write", "wait-notification", "done", "failed",
};

const char *soak_step_name(enum soak_step s)
{
	return s < STEP_COUNT ? step_names[s] : "?";
}

static bool on_periph(void)
{
	return zble_host_current() == &soak->p->host;
}

/* ---- peripheral: the server ---- */

static ssize_t read_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			  uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, soak->value, soak->value_len);
}

static ssize_t write_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			   uint16_t offset, uint8_t flags);

static struct _bt_gatt_ccc ccc_data = BT_GATT_CCC_INITIALIZER(NULL, NULL, NULL);

static struct bt_gatt_attr attrs[] = {
	BT_GATT_PRIMARY_SERVICE(&svc_uuid.uuid),
	BT_GATT_CHARACTERISTIC(&chr_uuid.uuid, BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_NOTIFY,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, read_value,
			       write_value, NULL),
	BT_GATT_CCC_MANAGED(&ccc_data, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};
static struct bt_gatt_service svc = BT_GATT_SERVICE(attrs);

static void p_fail(struct bt_conn *conn, int err)
{
	if (!soak->p_err) {
		soak->p_err = err;
	}
	(void)bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
}

static ssize_t write_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			   uint16_t offset, uint8_t flags)
{
	(void)attr;
	if (offset + len > SOAK_VALUE_MAX) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		return 0; /* checked only; the data comes with Execute Write */
	}
	memcpy(soak->value + offset, buf, len);
	soak->value_len = (uint16_t)(offset + len);
	soak->written_len = soak->value_len;
	if (offset == 0) {
		/* The value's first piece: a burst of notifications, each with
		 * the cycle number and its index. */
		for (uint8_t i = 0; i < soak->plan.notify_count; i++) {
			uint8_t n[5];
			sys_put_le32(soak->cycle, n);
			n[4] = i;
			int err = bt_gatt_notify(conn, &attrs[2], n, sizeof(n));
			if (err) {
				p_fail(conn, err);
				break;
			}
			soak->notifies_sent++;
		}
	}
	return len;
}

void soak_gatt_register(void)
{
	int err = bt_gatt_service_register(&svc);
	if (err) {
		fprintf(stderr, "soak: service registration: %d\n", err);
	}
}

/* ---- central: the client chain ---- */

static void go(enum soak_step s)
{
	soak->step = s;
	soak->step_at = zble_sim_now_us(&soak->sim);
}

void soak_client_fail(int err)
{
	if (!soak->err) {
		soak->err = err ? err : -EIO;
		soak->err_step = soak->step;
	}
	if (soak->step == STEP_FAILED) {
		return;
	}
	go(STEP_FAILED);
	if (soak->c_conn) {
		(void)bt_conn_disconnect(soak->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	}
}

static void check_call(int err)
{
	if (err) {
		soak_client_fail(err);
	}
}

static uint8_t discovered(struct bt_conn *conn, const struct bt_gatt_attr *attr,
			  struct bt_gatt_discover_params *params);

static void discover(enum soak_step s, uint8_t type, const struct bt_uuid *uuid, uint16_t start, uint16_t end)
{
	go(s);
	/* One params struct per discovery: the finished one may still be
	 * the client's while its last callback starts the next. */
	struct bt_gatt_discover_params *dp = &soak->dp[s - STEP_DISC_SVC];
	*dp = (struct bt_gatt_discover_params){
		.uuid = uuid, .func = discovered, .start_handle = start, .end_handle = end, .type = type
	};
	check_call(bt_gatt_discover(soak->c_conn, dp));
}

static uint8_t read_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			 uint16_t length);
static void write_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params);

static void subscribed(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	if (soak->step != STEP_SUBSCRIBE) {
		return; /* the chain failed meanwhile */
	}
	if (err) {
		soak_client_fail(-(1000 + err));
		return;
	}
	go(STEP_READ);
	soak->got_len = 0;
	soak->rp = (struct bt_gatt_read_params){ .func = read_done, .handle_count = 1,
						 .single = { .handle = soak->value_handle } };
	check_call(bt_gatt_read(soak->c_conn, &soak->rp));
}

static uint8_t on_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	(void)params;
	if (!data) {
		return BT_GATT_ITER_STOP; /* the subscription ended with the link */
	}
	const uint8_t *n = data;
	if (length != 5 || sys_get_le32(n) != soak->cycle || n[4] != soak->notes) {
		soak_client_fail(-EBADMSG);
		return BT_GATT_ITER_STOP;
	}
	soak->notes++;
	soak->notified = soak->notes == soak->plan.notify_count;
	if (soak->notified && soak->step == STEP_WAIT_NOTIFY) {
		go(STEP_DONE);
		check_call(bt_conn_disconnect(soak->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN));
	}
	return BT_GATT_ITER_CONTINUE;
}

static uint8_t discovered(struct bt_conn *conn, const struct bt_gatt_attr *attr,
			  struct bt_gatt_discover_params *params)
{
	(void)conn;
	if (soak->step < STEP_DISC_SVC || soak->step > STEP_DISC_CCC) {
		return BT_GATT_ITER_STOP;
	}
	if (attr) {
		if (params->type == BT_GATT_DISCOVER_PRIMARY) {
			const struct bt_gatt_service_val *sv = attr->user_data;
			soak->svc_start = attr->handle;
			soak->svc_end = sv->end_handle;
		} else if (params->type == BT_GATT_DISCOVER_CHARACTERISTIC) {
			const struct bt_gatt_chrc *chrc = attr->user_data;
			if (!bt_uuid_cmp(chrc->uuid, &chr_uuid.uuid)) {
				soak->value_handle = chrc->value_handle;
			}
		} else if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CCC)) {
			soak->ccc_handle = attr->handle;
		}
		return BT_GATT_ITER_CONTINUE;
	}
	/* The end of one discovery (or its error: then the next step's
	 * call or the missing handle reports it). */
	switch (soak->step) {
	case STEP_DISC_SVC:
		if (!soak->svc_start) {
			soak_client_fail(-ENOENT);
		} else {
			discover(STEP_DISC_CHRC, BT_GATT_DISCOVER_CHARACTERISTIC, NULL, soak->svc_start + 1,
				 soak->svc_end);
		}
		break;
	case STEP_DISC_CHRC:
		if (!soak->value_handle) {
			soak_client_fail(-ENOENT);
		} else {
			discover(STEP_DISC_CCC, BT_GATT_DISCOVER_DESCRIPTOR, NULL, soak->value_handle + 1,
				 soak->svc_end);
		}
		break;
	default:
		if (!soak->ccc_handle) {
			soak_client_fail(-ENOENT);
			break;
		}
		go(STEP_SUBSCRIBE);
		soak->sp = (struct bt_gatt_subscribe_params){ .notify = on_notify, .subscribe = subscribed,
							      .value_handle = soak->value_handle,
							      .ccc_handle = soak->ccc_handle,
							      .value = BT_GATT_CCC_NOTIFY };
		check_call(bt_gatt_subscribe(soak->c_conn, &soak->sp));
		break;
	}
	return BT_GATT_ITER_STOP;
}

static uint8_t read_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	if (soak->step != STEP_READ) {
		return BT_GATT_ITER_STOP;
	}
	if (data) {
		if (params->single.offset != soak->got_len || soak->got_len + length > SOAK_VALUE_MAX) {
			soak_client_fail(-EBADMSG);
			return BT_GATT_ITER_STOP;
		}
		memcpy(soak->got + soak->got_len, data, length);
		soak->got_len = (uint16_t)(soak->got_len + length);
		return BT_GATT_ITER_CONTINUE;
	}
	if (err) {
		soak_client_fail(-(1000 + err));
		return BT_GATT_ITER_STOP;
	}
	/* The value the server held at the start of this cycle. */
	if (soak->got_len != soak->plan.read_len) {
		soak_client_fail(-EBADMSG);
		return BT_GATT_ITER_STOP;
	}
	for (uint16_t i = 0; i < soak->got_len; i++) {
		if (soak->got[i] != (uint8_t)(soak->cycle * 3u + i)) {
			soak_client_fail(-EBADMSG);
			return BT_GATT_ITER_STOP;
		}
	}
	soak->read_ok = true;
	go(STEP_WRITE);
	for (uint16_t i = 0; i < soak->plan.write_len; i++) {
		soak->wbuf[i] = (uint8_t)(soak->cycle * 5u + i + 1);
	}
	soak->wp = (struct bt_gatt_write_params){ .func = write_done, .handle = soak->value_handle,
						  .data = soak->wbuf, .length = soak->plan.write_len };
	check_call(bt_gatt_write(soak->c_conn, &soak->wp));
	return BT_GATT_ITER_STOP;
}

static void write_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)params;
	if (soak->step != STEP_WRITE) {
		return;
	}
	if (err) {
		soak_client_fail(-(1000 + err));
		return;
	}
	soak->write_ok = true;
	if (soak->notified) {
		go(STEP_DONE);
		check_call(bt_conn_disconnect(soak->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN));
	} else {
		go(STEP_WAIT_NOTIFY);
	}
}

static void exchanged(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)params;
	if (soak->step != STEP_MTU) {
		return;
	}
	if (err) {
		soak_client_fail(-(1000 + err));
		return;
	}
	discover(STEP_DISC_SVC, BT_GATT_DISCOVER_PRIMARY, &svc_uuid.uuid, 1, 0xffff);
}

void soak_client_start(struct bt_conn *conn)
{
	soak->c_conn = bt_conn_ref(conn);
	go(STEP_MTU);
	soak->xp = (struct bt_gatt_exchange_params){ .func = exchanged };
	check_call(bt_gatt_exchange_mtu(conn, &soak->xp));
}

/* ---- connection callbacks, both sides ---- */

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	if (on_periph()) {
		if (!err) {
			if (soak->p_conn) {
				/* A second link while one is up: not this test's design. */
				soak->p_err = -EEXIST;
				return;
			}
			soak->p_conn = bt_conn_ref(conn);
		}
		return;
	}
	if (soak->step != STEP_CONNECTING) {
		return;
	}
	if (err) {
		soak->err = -(2000 + err);
		soak->err_step = STEP_CONNECTING;
		go(STEP_FAILED);
		soak->c_done = true;
		return;
	}
	soak_client_start(conn);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	if (on_periph()) {
		if (conn == soak->p_conn) {
			bt_conn_unref(soak->p_conn);
			soak->p_conn = NULL;
		}
		return;
	}
	if (conn != soak->c_conn) {
		return;
	}
	soak->reason = reason;
	if (soak->step != STEP_DONE && !soak->err) {
		/* The link went before the chain finished: that is the error. */
		soak->err = -(3000 + reason);
		soak->err_step = soak->step;
	}
	if (soak->step != STEP_DONE) {
		go(STEP_FAILED);
	}
	bt_conn_unref(soak->c_conn);
	soak->c_conn = NULL;
	soak->c_done = true;
}

static struct bt_conn_cb p_cb = { .connected = on_connected, .disconnected = on_disconnected };
static struct bt_conn_cb c_cb = { .connected = on_connected, .disconnected = on_disconnected };

void soak_conn_cb_register(bool central)
{
	bt_conn_cb_register(central ? &c_cb : &p_cb);
}
