/* The demo service, 12345678-9abc-4def-8123-zble0000000x:
 *   ...01 read        a 300-byte value (long read: Read Blob)
 *   ...02 read/write  up to 400 bytes (long write: Prepare/Execute),
 *                     also write without response
 *   ...03 notify      10 notifications when subscribed, paced by their
 *                     completions (never more than the buffers allow)
 *   ...04 indicate    3 indications when subscribed, each after the
 *                     previous one's confirmation
 * The central discovers all of it with the Zephyr client API and checks
 * every value; the peripheral checks what it received. */
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/kernel.h>

#include "demo_gatt.h"

#define DEMO_UUID(n) BT_UUID_128_ENCODE(0x12345678, 0x9abc, 0x4def, 0x8123, 0x7a626c650000ull + (n))
#define READ_LEN 300
#define WRITE_MAX 400
#define LONG_WRITE_LEN 300
#define NOTIFY_COUNT 10
#define INDICATE_COUNT 3
#define WWR_COUNT 5

static const struct bt_uuid_128 svc_uuid = BT_UUID_INIT_128(DEMO_UUID(0));
static const struct bt_uuid_128 read_uuid = BT_UUID_INIT_128(DEMO_UUID(1));
static const struct bt_uuid_128 write_uuid = BT_UUID_INIT_128(DEMO_UUID(2));
static const struct bt_uuid_128 notify_uuid = BT_UUID_INIT_128(DEMO_UUID(3));
static const struct bt_uuid_128 indicate_uuid = BT_UUID_INIT_128(DEMO_UUID(4));

static uint8_t pattern(size_t i, uint8_t seed)
{
	return (uint8_t)(i * 13u + seed);
}

/* ---- peripheral ---- */

struct server {
	uint8_t read_value[READ_LEN];
	uint8_t write_value[WRITE_MAX];
	uint16_t write_len;
	bool long_ok; /* the long write arrived whole */
	int writes, wwr;
	int notified, indicated;
	bool notifying, indicating;
	struct bt_gatt_indicate_params ind;
	uint8_t ind_value[4];
	uint8_t notify_value[20];
};

static struct server srv;

static ssize_t read_fixed(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			  uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, srv.read_value, sizeof(srv.read_value));
}

static ssize_t read_written(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			    uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, srv.write_value, srv.write_len);
}

static ssize_t write_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			   uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	if ((size_t)offset + len > sizeof(srv.write_value)) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		return 0; /* a part of a long write, queued: accepted, written at Execute */
	}
	memcpy(srv.write_value + offset, buf, len);
	srv.write_len = (uint16_t)(offset + len);
	if (flags & BT_GATT_WRITE_FLAG_CMD) {
		srv.wwr++;
	} else {
		srv.writes++;
	}
	if (!(flags & BT_GATT_WRITE_FLAG_CMD) && srv.write_len == LONG_WRITE_LEN) {
		srv.long_ok = true;
		for (size_t i = 0; i < LONG_WRITE_LEN; i++) {
			srv.long_ok = srv.long_ok && srv.write_value[i] == pattern(i, 7);
		}
	}
	return len;
}

static void notify_ccc_changed(const struct bt_gatt_attr *attr, uint16_t value);
static void indicate_ccc_changed(const struct bt_gatt_attr *attr, uint16_t value);

static struct bt_gatt_attr demo_attrs[] = {
	BT_GATT_PRIMARY_SERVICE(&svc_uuid),
	BT_GATT_CHARACTERISTIC(&read_uuid.uuid, BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_fixed, NULL, NULL),
	BT_GATT_CHARACTERISTIC(&write_uuid.uuid, BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_WRITE_WITHOUT_RESP,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, read_written,
			       write_value, NULL),
	BT_GATT_CHARACTERISTIC(&notify_uuid.uuid, BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(notify_ccc_changed, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
	BT_GATT_CHARACTERISTIC(&indicate_uuid.uuid, BT_GATT_CHRC_INDICATE, BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(indicate_ccc_changed, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};
#define NOTIFY_VALUE_ATTR (&demo_attrs[6])
#define INDICATE_VALUE_ATTR (&demo_attrs[9])

static struct bt_gatt_service demo_svc = BT_GATT_SERVICE(demo_attrs);

static void send_notification(struct bt_conn *conn);

static void notification_sent(struct bt_conn *conn, void *user_data)
{
	(void)user_data;
	if (srv.notifying && srv.notified < NOTIFY_COUNT) {
		send_notification(conn);
	}
}

/* Runs in the host context: sends one, the completion sends the next. */
static void send_notification(struct bt_conn *conn)
{
	for (size_t i = 0; i < sizeof(srv.notify_value); i++) {
		srv.notify_value[i] = pattern(i, (uint8_t)srv.notified);
	}
	struct bt_gatt_notify_params p = {
		.attr = NOTIFY_VALUE_ATTR,
		.data = srv.notify_value,
		.len = sizeof(srv.notify_value),
		.func = notification_sent,
	};
	int err = bt_gatt_notify_cb(conn, &p);
	if (err == 0) {
		srv.notified++;
	} else {
		demo_check(false, "notification queued");
	}
}

static void notify_ccc_changed(const struct bt_gatt_attr *attr, uint16_t value)
{
	(void)attr;
	srv.notifying = value & BT_GATT_CCC_NOTIFY;
	demo_say("GATT: client %s notifications", srv.notifying ? "enabled" : "disabled");
	if (srv.notifying && srv.notified == 0) {
		send_notification(NULL); /* every subscribed connection */
	}
}

static void send_indication(void);

static void indication_done(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	demo_check(err == 0, "indication confirmed");
	demo_say("GATT: indication %d confirmed (err %u)", srv.indicated, err);
	if (!err && srv.indicating && srv.indicated < INDICATE_COUNT) {
		send_indication();
	}
}

static void send_indication(void)
{
	srv.ind_value[0] = 'i';
	srv.ind_value[1] = 'n';
	srv.ind_value[2] = 'd';
	srv.ind_value[3] = (uint8_t)srv.indicated;
	srv.ind = (struct bt_gatt_indicate_params){
		.attr = INDICATE_VALUE_ATTR,
		.func = indication_done,
		.data = srv.ind_value,
		.len = sizeof(srv.ind_value),
	};
	int err = bt_gatt_indicate(NULL, &srv.ind);
	demo_check(err == 0, "indication queued");
	if (err == 0) {
		srv.indicated++;
	}
}

static void indicate_ccc_changed(const struct bt_gatt_attr *attr, uint16_t value)
{
	(void)attr;
	srv.indicating = value & BT_GATT_CCC_INDICATE;
	demo_say("GATT: client %s indications", srv.indicating ? "enabled" : "disabled");
	if (srv.indicating && srv.indicated == 0) {
		send_indication();
	}
}

int demo_gatt_peripheral_init(void)
{
	memset(&srv, 0, sizeof(srv));
	for (size_t i = 0; i < sizeof(srv.read_value); i++) {
		srv.read_value[i] = pattern(i, 1);
	}
	int err = bt_gatt_service_register(&demo_svc);
	demo_say("GATT: demo service registered, handles %u..%u (%d)", demo_attrs[0].handle,
		 demo_attrs[ARRAY_SIZE(demo_attrs) - 1].handle, err);
	return err;
}

void demo_gatt_peripheral_verify(void)
{
	demo_say("GATT: %d writes, %d writes without response, %d notifications, %d indications sent", srv.writes,
		 srv.wwr, srv.notified, srv.indicated);
	demo_check(srv.writes >= 2, "writes received");
	demo_check(srv.wwr == WWR_COUNT, "writes without response received");
	demo_check(srv.long_ok, "long write value intact");
	demo_check(srv.notified == NOTIFY_COUNT, "every notification sent");
	demo_check(srv.indicated == INDICATE_COUNT, "every indication sent");
}

/* ---- central ---- */

struct client {
	struct k_sem step;
	uint8_t err;
	uint16_t svc_start, svc_end;
	uint16_t read_handle, write_handle, notify_handle, indicate_handle;
	uint16_t notify_ccc, indicate_ccc;
	uint8_t value[WRITE_MAX + 32];
	uint16_t value_len;
	int notifications, notifications_bad, indications;
	struct k_sem notified, indicated, wwr_sent;
	struct bt_gatt_exchange_params mtu;
	struct bt_gatt_discover_params disc;
	struct bt_gatt_read_params read;
	struct bt_gatt_write_params write;
	struct bt_gatt_subscribe_params sub_notify, sub_indicate;
	uint8_t out[LONG_WRITE_LEN];
};

static struct client cli;

static bool step(const char *what)
{
	bool ok = k_sem_take(&cli.step, K_SECONDS(35)) == 0;
	demo_check(ok, what);
	demo_check(!ok || cli.err == 0, what);
	return ok && cli.err == 0;
}

static void mtu_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)params;
	cli.err = err;
	demo_say("GATT: MTU exchanged: %u (err %u)", bt_gatt_get_mtu(conn), err);
	k_sem_give(&cli.step);
}

static uint8_t discovered(struct bt_conn *conn, const struct bt_gatt_attr *attr, struct bt_gatt_discover_params *params)
{
	(void)conn;
	if (!attr) {
		k_sem_give(&cli.step);
		return BT_GATT_ITER_STOP;
	}
	if (params->type == BT_GATT_DISCOVER_PRIMARY) {
		const struct bt_gatt_service_val *val = attr->user_data;
		if (bt_uuid_cmp(val->uuid, &svc_uuid.uuid)) {
			return BT_GATT_ITER_CONTINUE; /* GAP, GATT */
		}
		cli.svc_start = attr->handle;
		cli.svc_end = val->end_handle;
		demo_say("GATT: found the demo service at %u..%u", cli.svc_start, cli.svc_end);
	} else if (params->type == BT_GATT_DISCOVER_CHARACTERISTIC) {
		const struct bt_gatt_chrc *chrc = attr->user_data;
		if (!bt_uuid_cmp(chrc->uuid, &read_uuid.uuid)) {
			cli.read_handle = chrc->value_handle;
		} else if (!bt_uuid_cmp(chrc->uuid, &write_uuid.uuid)) {
			cli.write_handle = chrc->value_handle;
		} else if (!bt_uuid_cmp(chrc->uuid, &notify_uuid.uuid)) {
			cli.notify_handle = chrc->value_handle;
		} else if (!bt_uuid_cmp(chrc->uuid, &indicate_uuid.uuid)) {
			cli.indicate_handle = chrc->value_handle;
		}
		demo_say("GATT: characteristic, value handle %u, properties 0x%02x", chrc->value_handle, chrc->properties);
	} else if (params->type == BT_GATT_DISCOVER_DESCRIPTOR && !bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CCC)) {
		/* The CCCD sits right after its value. */
		if (attr->handle == cli.notify_handle + 1) {
			cli.notify_ccc = attr->handle;
		} else if (attr->handle == cli.indicate_handle + 1) {
			cli.indicate_ccc = attr->handle;
		}
	}
	return BT_GATT_ITER_CONTINUE;
}

static bool discover(struct bt_conn *conn, uint8_t type, const struct bt_uuid *uuid, uint16_t start, uint16_t end,
		     const char *what)
{
	cli.disc = (struct bt_gatt_discover_params){ 0 };
	cli.disc.uuid = uuid;
	cli.disc.func = discovered;
	cli.disc.start_handle = start;
	cli.disc.end_handle = end;
	cli.disc.type = type;
	cli.err = 0;
	int err = bt_gatt_discover(conn, &cli.disc);
	demo_check(err == 0, what);
	return err == 0 && step(what);
}

static uint8_t read_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	(void)params;
	cli.err = err;
	if (err || !data) {
		k_sem_give(&cli.step);
		return BT_GATT_ITER_STOP;
	}
	if (cli.value_len + length <= sizeof(cli.value)) {
		memcpy(cli.value + cli.value_len, data, length);
		cli.value_len = (uint16_t)(cli.value_len + length);
	}
	return BT_GATT_ITER_CONTINUE;
}

static bool read_value(struct bt_conn *conn, uint16_t handle, const char *what)
{
	cli.read = (struct bt_gatt_read_params){ 0 };
	cli.read.func = read_done;
	cli.read.handle_count = 1;
	cli.read.single.handle = handle;
	cli.read.single.offset = 0;
	cli.value_len = 0;
	cli.err = 0;
	int err = bt_gatt_read(conn, &cli.read);
	demo_check(err == 0, what);
	return err == 0 && step(what);
}

static void write_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)params;
	cli.err = err;
	k_sem_give(&cli.step);
}

static bool write_value_req(struct bt_conn *conn, const uint8_t *data, uint16_t len, const char *what)
{
	cli.write = (struct bt_gatt_write_params){ 0 };
	cli.write.func = write_done;
	cli.write.handle = cli.write_handle;
	cli.write.offset = 0;
	cli.write.data = data;
	cli.write.length = len;
	cli.err = 0;
	int err = bt_gatt_write(conn, &cli.write);
	demo_check(err == 0, what);
	return err == 0 && step(what);
}

static uint8_t on_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	if (!data) {
		return BT_GATT_ITER_STOP; /* unsubscribed */
	}
	const uint8_t *v = data;
	if (params == &cli.sub_notify) {
		bool ok = length == 20;
		for (uint16_t i = 0; ok && i < length; i++) {
			ok = v[i] == pattern(i, (uint8_t)cli.notifications);
		}
		cli.notifications_bad += !ok;
		cli.notifications++;
		if (cli.notifications == NOTIFY_COUNT) {
			k_sem_give(&cli.notified);
		}
	} else {
		bool ok = length == 4 && v[0] == 'i' && v[3] == cli.indications;
		demo_check(ok, "indication value");
		cli.indications++;
		demo_say("GATT: indication %d received", cli.indications);
		if (cli.indications == INDICATE_COUNT) {
			k_sem_give(&cli.indicated);
		}
	}
	return BT_GATT_ITER_CONTINUE;
}

static void subscribed(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	cli.err = err;
	k_sem_give(&cli.step);
}

static bool subscribe(struct bt_conn *conn, struct bt_gatt_subscribe_params *p, uint16_t value_handle,
		      uint16_t ccc_handle, uint16_t value, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->notify = on_notify;
	p->subscribe = subscribed;
	p->value_handle = value_handle;
	p->ccc_handle = ccc_handle;
	p->value = value;
	cli.err = 0;
	int err = bt_gatt_subscribe(conn, p);
	demo_check(err == 0, what);
	return err == 0 && step(what);
}

static void wwr_sent(struct bt_conn *conn, void *user_data)
{
	(void)conn;
	(void)user_data;
	k_sem_give(&cli.wwr_sent);
}

bool demo_gatt_central_run(struct bt_conn *conn)
{
	memset(&cli, 0, sizeof(cli));
	k_sem_init(&cli.step, 0, 1);
	k_sem_init(&cli.notified, 0, 1);
	k_sem_init(&cli.indicated, 0, 1);
	k_sem_init(&cli.wwr_sent, 0, WWR_COUNT);

	cli.mtu.func = mtu_done;
	int err = bt_gatt_exchange_mtu(conn, &cli.mtu);
	demo_check(err == 0, "MTU exchange");
	if (err || !step("MTU exchange")) {
		return false;
	}
	/* All primary services (Read By Group Type): btmon 5.66 crashes decoding
	 * the characteristics of a service found by UUID (Find By Type Value),
	 * which it never entered in its own database. */
	if (!discover(conn, BT_GATT_DISCOVER_PRIMARY, NULL, 0x0001, 0xffff, "service discovery") ||
	    !cli.svc_start) {
		demo_check(false, "demo service found");
		return false;
	}
	if (!discover(conn, BT_GATT_DISCOVER_CHARACTERISTIC, NULL, cli.svc_start + 1, cli.svc_end,
		      "characteristic discovery") ||
	    !discover(conn, BT_GATT_DISCOVER_DESCRIPTOR, NULL, cli.svc_start + 1, cli.svc_end, "descriptor discovery")) {
		return false;
	}
	demo_check(cli.read_handle && cli.write_handle && cli.notify_handle && cli.indicate_handle,
		   "four characteristics");
	demo_check(cli.notify_ccc && cli.indicate_ccc, "two CCCDs right after their values");

	/* A 300-byte value: longer than one response, so Read Blob follows. */
	if (read_value(conn, cli.read_handle, "long read")) {
		bool ok = cli.value_len == READ_LEN;
		for (uint16_t i = 0; ok && i < READ_LEN; i++) {
			ok = cli.value[i] == pattern(i, 1);
		}
		demo_say("GATT: read %u bytes%s", cli.value_len, ok ? ", as expected" : ", WRONG");
		demo_check(ok, "long read value");
	}
	static const uint8_t hello[] = "hello, zble";
	if (write_value_req(conn, hello, sizeof(hello), "write") && read_value(conn, cli.write_handle, "read back")) {
		demo_check(cli.value_len == sizeof(hello) && !memcmp(cli.value, hello, sizeof(hello)), "written value");
		demo_say("GATT: wrote and read back \"%s\"", (const char *)cli.value);
	}
	for (size_t i = 0; i < sizeof(cli.out); i++) {
		cli.out[i] = pattern(i, 7);
	}
	if (write_value_req(conn, cli.out, sizeof(cli.out), "long write") &&
	    read_value(conn, cli.write_handle, "read back the long value")) {
		demo_check(cli.value_len == sizeof(cli.out) && !memcmp(cli.value, cli.out, sizeof(cli.out)),
			   "long written value");
		demo_say("GATT: long write of %zu bytes read back intact", sizeof(cli.out));
	}
	for (int i = 0; i < WWR_COUNT; i++) {
		err = bt_gatt_write_without_response_cb(conn, cli.write_handle, cli.out, 40, false, wwr_sent, NULL);
		demo_check(err == 0, "write without response");
	}
	for (int i = 0; i < WWR_COUNT; i++) {
		demo_check(k_sem_take(&cli.wwr_sent, K_SECONDS(10)) == 0, "write without response sent");
	}
	demo_say("GATT: %d writes without response sent", WWR_COUNT);

	if (subscribe(conn, &cli.sub_notify, cli.notify_handle, cli.notify_ccc, BT_GATT_CCC_NOTIFY,
		      "subscribe to notifications")) {
		demo_check(k_sem_take(&cli.notified, K_SECONDS(10)) == 0, "notifications received");
		demo_say("GATT: %d notifications received (%d wrong)", cli.notifications, cli.notifications_bad);
		demo_check(cli.notifications == NOTIFY_COUNT && cli.notifications_bad == 0, "notification values");
	}
	if (subscribe(conn, &cli.sub_indicate, cli.indicate_handle, cli.indicate_ccc, BT_GATT_CCC_INDICATE,
		      "subscribe to indications")) {
		demo_check(k_sem_take(&cli.indicated, K_SECONDS(10)) == 0, "indications received");
	}
	/* The caller waits for the last confirmation and writes to reach
	 * the peripheral before it disconnects. */
	return true;
}
