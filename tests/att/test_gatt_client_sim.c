/* The GATT client against zble's own GATT server on zble-sim: a central
 * (blocking calls from the test) and a peripheral that registers a service
 * and advertises. MTU exchange seen on both sides, discovery of the
 * service, its characteristic and CCC, a long read, a long write, Write
 * Commands in a burst, notifications and an indication, and subscriptions
 * ending with the link. Coop backend, fixed seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/hci.h>

#include "zble/sim.h"

#define VALUE_LEN 300
#define SVC_UUID BT_UUID_128_ENCODE(0x7a1e0001, 0x1111, 0x2222, 0x3333, 0x444455556666ull)
#define CHR_UUID BT_UUID_128_ENCODE(0x7a1e0002, 0x1111, 0x2222, 0x3333, 0x444455556666ull)

struct env {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	/* peripheral */
	struct bt_conn *p_conn;
	uint8_t value[VALUE_LEN];
	uint16_t value_len;
	int writes, cmd_writes, ind_confirmed;
	uint16_t p_mtu;
	struct bt_gatt_indicate_params ind;
	/* central */
	struct k_sem sem, connected, disconnected, values;
	struct bt_conn *c_conn;
	uint16_t c_mtu;
	uint16_t svc_start, svc_end, chrc_value, ccc;
	uint8_t got[VALUE_LEN + 50];
	uint16_t got_len;
	uint8_t err;
	int notifications, indications, sub_ended;
};

static struct env *g;

static const struct bt_uuid_128 svc_uuid = BT_UUID_INIT_128(SVC_UUID);
static const struct bt_uuid_128 chr_uuid = BT_UUID_INIT_128(CHR_UUID);
static const bt_addr_le_t periph_addr = { .type = BT_ADDR_LE_PUBLIC,
					  .a = { .val = { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };

static bool on_periph(void)
{
	return zble_host_current() == &g->p->host;
}

/* ---- peripheral ---- */

static ssize_t read_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			  uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, g->value, g->value_len);
}

static ssize_t write_value(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			   uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		return 0;
	}
	if (offset + len > VALUE_LEN) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	memcpy(g->value + offset, buf, len);
	g->value_len = (uint16_t)(offset + len);
	if (flags & BT_GATT_WRITE_FLAG_CMD) {
		g->cmd_writes++;
	} else {
		g->writes++;
	}
	return len;
}

static struct _bt_gatt_ccc ccc_data = BT_GATT_CCC_INITIALIZER(NULL, NULL, NULL);

/* Only the server host uses them (registration writes their handles).
 * At file scope, so the UUID literals of the macros live on. */
static struct bt_gatt_attr attrs[] = {
	BT_GATT_PRIMARY_SERVICE(&svc_uuid.uuid),
	BT_GATT_CHARACTERISTIC(&chr_uuid.uuid,
			       BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_WRITE_WITHOUT_RESP |
				       BT_GATT_CHRC_NOTIFY | BT_GATT_CHRC_INDICATE,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, read_value,
			       write_value, NULL),
	BT_GATT_CCC_MANAGED(&ccc_data, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};
static struct bt_gatt_service svc = BT_GATT_SERVICE(attrs);

static void mtu_updated(struct bt_conn *conn, uint16_t tx, uint16_t rx)
{
	(void)conn;
	assert_int_equal(tx, rx);
	if (on_periph()) {
		g->p_mtu = tx;
	} else {
		g->c_mtu = tx;
	}
}

static struct bt_gatt_cb p_gatt_cb = { .att_mtu_updated = mtu_updated };
static struct bt_gatt_cb c_gatt_cb = { .att_mtu_updated = mtu_updated };

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	if (on_periph()) {
		g->p_conn = bt_conn_ref(conn);
		return;
	}
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	if (on_periph()) {
		bt_conn_unref(g->p_conn);
		g->p_conn = NULL;
		return;
	}
	k_sem_give(&g->disconnected);
}

static struct bt_conn_cb p_cb = { .connected = on_connected, .disconnected = on_disconnected };
static struct bt_conn_cb c_cb = { .connected = on_connected, .disconnected = on_disconnected };

static void p_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
}

static void indicated(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	assert_int_equal(err, 0);
	g->ind_confirmed++;
}

/* ---- central ---- */

static void exchanged(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)params;
	g->err = err;
	k_sem_give(&g->sem);
}

static uint8_t discovered(struct bt_conn *conn, const struct bt_gatt_attr *attr, struct bt_gatt_discover_params *params)
{
	(void)conn;
	if (!attr) {
		k_sem_give(&g->sem);
		return BT_GATT_ITER_STOP;
	}
	switch (params->type) {
	case BT_GATT_DISCOVER_PRIMARY: {
		const struct bt_gatt_service_val *sv = attr->user_data;
		g->svc_start = attr->handle;
		g->svc_end = sv->end_handle;
		break;
	}
	case BT_GATT_DISCOVER_CHARACTERISTIC: {
		const struct bt_gatt_chrc *chrc = attr->user_data;
		assert_int_equal(bt_uuid_cmp(chrc->uuid, &chr_uuid.uuid), 0);
		g->chrc_value = chrc->value_handle;
		break;
	}
	default:
		if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CCC)) {
			g->ccc = attr->handle;
		}
		break;
	}
	return BT_GATT_ITER_CONTINUE;
}

static uint8_t read_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	if (!data) {
		g->err = err;
		k_sem_give(&g->sem);
		return BT_GATT_ITER_STOP;
	}
	/* Pieces of a long value, each at its offset. */
	assert_int_equal(params->single.offset, g->got_len);
	assert_true(g->got_len + length <= sizeof(g->got));
	memcpy(g->got + g->got_len, data, length);
	g->got_len = (uint16_t)(g->got_len + length);
	return BT_GATT_ITER_CONTINUE;
}

static void write_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)params;
	g->err = err;
	k_sem_give(&g->sem);
}

static uint8_t on_value(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			uint16_t length)
{
	(void)conn;
	(void)params;
	if (!data) {
		g->sub_ended++;
		return BT_GATT_ITER_STOP;
	}
	assert_int_equal(length, 3);
	if (((const uint8_t *)data)[0] == 'i') {
		g->indications++;
	} else {
		g->notifications++;
	}
	k_sem_give(&g->values);
	return BT_GATT_ITER_CONTINUE;
}

static void subscribed(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	g->err = err;
	k_sem_give(&g->sem);
}

static void wait_done(void)
{
	assert_int_equal(k_sem_take(&g->sem, K_SECONDS(40)), 0);
	assert_int_equal(g->err, 0);
}

static int setup(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 77);
	g->p = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "server" });
	g->c = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "client", .x = 3 });
	assert_int_equal(zble_sim_device_add_host(g->p), 0);
	assert_int_equal(zble_sim_device_add_host(g->c), 0);
	zble_sim_set_stop_time(&g->sim, 600ull * 1000000);
	for (int i = 0; i < VALUE_LEN; i++) {
		g->value[i] = (uint8_t)(i * 7);
	}
	g->value_len = VALUE_LEN;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static void test_client_against_server(void **state)
{
	(void)state;
	zble_sim_device_select(g->p);
	bt_conn_cb_register(&p_cb);
	bt_gatt_cb_register(&p_gatt_cb);
	assert_int_equal(bt_enable(p_ready), 0);

	zble_sim_device_select(g->c);
	k_sem_init(&g->sem, 0, 1);
	k_sem_init(&g->connected, 0, 1);
	k_sem_init(&g->disconnected, 0, 1);
	k_sem_init(&g->values, 0, 16);
	bt_conn_cb_register(&c_cb);
	bt_gatt_cb_register(&c_gatt_cb);
	assert_int_equal(bt_enable(NULL), 0);
	k_msleep(50);
	zble_sim_device_select(g->p);
	assert_int_equal(bt_gatt_service_register(&svc), 0);
	zble_sim_device_select(g->c);
	assert_int_equal(bt_conn_le_create(&periph_addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &g->c_conn),
			 0);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(10)), 0);
	struct bt_conn *conn = g->c_conn;

	/* MTU: both sides hear of it. */
	struct bt_gatt_exchange_params xp = { .func = exchanged };
	assert_int_equal(bt_gatt_exchange_mtu(conn, &xp), 0);
	wait_done();
	assert_int_equal(g->c_mtu, CONFIG_BT_ATT_MTU);
	assert_int_equal(g->p_mtu, CONFIG_BT_ATT_MTU);
	assert_int_equal(bt_gatt_get_mtu(conn), CONFIG_BT_ATT_MTU);

	/* Discovery: the service by UUID, its characteristic, its CCC. */
	struct bt_gatt_discover_params dp = { .func = discovered, .uuid = &svc_uuid.uuid, .start_handle = 1,
					      .end_handle = 0xffff, .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_discover(conn, &dp), 0);
	wait_done();
	assert_int_not_equal(g->svc_start, 0);
	assert_int_equal(g->svc_end, g->svc_start + 3);
	dp = (struct bt_gatt_discover_params){ .func = discovered, .start_handle = g->svc_start + 1,
					       .end_handle = g->svc_end, .type = BT_GATT_DISCOVER_CHARACTERISTIC };
	assert_int_equal(bt_gatt_discover(conn, &dp), 0);
	wait_done();
	assert_int_equal(g->chrc_value, g->svc_start + 2);
	dp = (struct bt_gatt_discover_params){ .func = discovered, .start_handle = g->chrc_value + 1,
					       .end_handle = g->svc_end, .type = BT_GATT_DISCOVER_DESCRIPTOR };
	assert_int_equal(bt_gatt_discover(conn, &dp), 0);
	wait_done();
	assert_int_equal(g->ccc, g->svc_start + 3);

	/* A value longer than one response: Read Blob continues it. */
	struct bt_gatt_read_params rp = { .func = read_done, .handle_count = 1, .single = { .handle = g->chrc_value } };
	assert_int_equal(bt_gatt_read(conn, &rp), 0);
	wait_done();
	assert_int_equal(g->got_len, VALUE_LEN);
	assert_memory_equal(g->got, g->value, VALUE_LEN);

	/* A long write (prepared and executed), then read back. */
	uint8_t nv[280];
	for (int i = 0; i < (int)sizeof(nv); i++) {
		nv[i] = (uint8_t)(255 - i);
	}
	struct bt_gatt_write_params wp = { .func = write_done, .handle = g->chrc_value, .data = nv, .length = sizeof(nv) };
	assert_int_equal(bt_gatt_write(conn, &wp), 0);
	wait_done();
	assert_int_equal(g->value_len, sizeof(nv));
	assert_memory_equal(g->value, nv, sizeof(nv));

	/* Write Commands in a burst: none lost (retry on -ENOMEM). */
	for (int i = 0; i < 40; i++) {
		uint8_t b[100];
		memset(b, i, sizeof(b));
		int err;
		while ((err = bt_gatt_write_without_response(conn, g->chrc_value, b, sizeof(b), false)) == -ENOMEM) {
			k_msleep(1);
		}
		assert_int_equal(err, 0);
	}
	k_msleep(500);
	assert_int_equal(g->cmd_writes, 40);
	assert_int_equal(g->value[0], 39);

	/* Subscribe, then the server notifies and indicates. */
	struct bt_gatt_subscribe_params sp = { .notify = on_value, .subscribe = subscribed,
					       .value_handle = g->chrc_value, .ccc_handle = g->ccc,
					       .value = BT_GATT_CCC_NOTIFY | BT_GATT_CCC_INDICATE };
	assert_int_equal(bt_gatt_subscribe(conn, &sp), 0);
	wait_done();
	zble_sim_device_select(g->p);
	assert_int_equal(bt_gatt_notify(NULL, &attrs[2], "n01", 3), 0);
	assert_int_equal(bt_gatt_notify(NULL, &attrs[2], "n02", 3), 0);
	g->ind = (struct bt_gatt_indicate_params){ .attr = &attrs[2], .func = indicated, .data = "i03", .len = 3 };
	assert_int_equal(bt_gatt_indicate(NULL, &g->ind), 0);
	zble_sim_device_select(g->c);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(k_sem_take(&g->values, K_SECONDS(10)), 0);
	}
	k_msleep(200);
	assert_int_equal(g->notifications, 2);
	assert_int_equal(g->indications, 1);
	assert_int_equal(g->ind_confirmed, 1);

	/* The link ends: the subscription ends with it. */
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(10)), 0);
	assert_int_equal(g->sub_ended, 1);
	bt_conn_unref(conn);
	assert_int_equal(g->c->host.stats.malformed, 0);
	assert_int_equal(g->p->host.stats.malformed, 0);
	assert_int_equal(g->c->host.att.stats.timeouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_against_server, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
