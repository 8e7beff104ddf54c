/* The libFuzzer targets' host on the scripted controller (fuzz_env.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "fuzz_env.h"

struct fz_env *fz;

struct fz_snapshot {
	bool valid;
	size_t app_size;
	struct fz_env env;
	uint8_t app[];
};
#define FZ_APP_MAX (64u * 1024u)
static struct fz_snapshot *snaps[FZ_VARIANTS];

bool fz_restore(unsigned variant, void *app, size_t app_size)
{
	struct fz_snapshot *s = snaps[variant % FZ_VARIANTS];
	if (!s || !s->valid) {
		return false;
	}
	FZ_ASSERT(s->app_size == app_size);
	memcpy(fz, &s->env, sizeof(*fz));
	memcpy(app, s->app, app_size);
	zble_port_set_current_kernel(&fz->k.k);
	return true;
}

void fz_save(unsigned variant, const void *app, size_t app_size)
{
	FZ_ASSERT(app_size <= FZ_APP_MAX);
	struct fz_snapshot **s = &snaps[variant % FZ_VARIANTS];
	if (!*s) {
		*s = calloc(1, sizeof(**s) + FZ_APP_MAX);
		FZ_ASSERT(*s);
	}
	memcpy(&(*s)->env, fz, sizeof(*fz));
	memcpy((*s)->app, app, app_size);
	(*s)->app_size = app_size;
	(*s)->valid = true;
}

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz check failed: %s:%d: %s\n", file, line, what);
	abort();
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	(void)conn;
	(void)err;
	fz->connected++;
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	fz->disconnected++;
}

void fz_up(uint16_t acl_mtu, uint8_t acl_pkts, bool ext_adv)
{
	if (!fz) {
		fz = calloc(1, sizeof(*fz));
		FZ_ASSERT(fz);
	}
	memset(fz, 0, sizeof(*fz));
	ktest_setup(&fz->k);
	fake_ctrl_init(&fz->ctrl);
	fz->ctrl.acl_mtu = acl_mtu;
	fz->ctrl.acl_pkts = acl_pkts;
	if (ext_adv) {
		fz->ctrl.le_features1 |= BIT(4); /* LE Extended Advertising */
	}
	FZ_ASSERT(zble_host_init(&fz->host, &fz->k.k, &fz->ctrl.drv) == 0);
	fz->cb.connected = on_connected;
	fz->cb.disconnected = on_disconnected;
	FZ_ASSERT(bt_conn_cb_register(&fz->cb) == 0);
	FZ_ASSERT(bt_enable(NULL) == 0);
}

/* Completes every fragment the controller got, per handle, as a controller
 * does once it has sent them; the log starts over. */
static bool ack_sent(void)
{
	int n = fz->ctrl.n_acl;
	uint16_t handles[64], counts[64];
	int groups = 0;
	for (int i = 0; i < n; i++) {
		uint16_t handle = fz->ctrl.acl_hdr[i] & 0x0fff;
		int g = 0;
		while (g < groups && handles[g] != handle) {
			g++;
		}
		if (g == groups) {
			handles[groups] = handle;
			counts[groups++] = 0;
		}
		counts[g]++;
	}
	fz->ctrl.n_acl = 0;
	fz->ctrl.acl_bytes = 0;
	for (int g = 0; g < groups; g++) {
		fake_ctrl_nocp(&fz->ctrl, handles[g], counts[g]);
	}
	return n > 0;
}

void fz_run(uint32_t ms)
{
	ktest_run_ms(&fz->k, ms);
	/* The host sends at most the controller's buffer count before an
	 * acknowledgement, so the fake's log (64) never overflows. */
	for (int i = 0; i < 256 && !fz->hold && ack_sent(); i++) {
		ktest_run_ms(&fz->k, 1);
	}
}

struct bt_conn *fz_connect(uint16_t handle, bool central)
{
	static const uint8_t peer[6] = { 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6 };
	struct bt_conn *conn = NULL;
	int before = fz->connected;
	if (central) {
		bt_addr_le_t addr = { .type = BT_ADDR_LE_PUBLIC };
		memcpy(addr.a.val, peer, 6);
		if (bt_conn_le_create(&addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn)) {
			return NULL;
		}
		fake_ctrl_conn_complete(&fz->ctrl, false, 0, handle, BT_HCI_ROLE_CENTRAL, peer);
	} else {
		if (bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0)) {
			return NULL;
		}
		fake_ctrl_conn_complete(&fz->ctrl, true, 0, handle, BT_HCI_ROLE_PERIPHERAL, peer);
	}
	fz_run(5);
	FZ_ASSERT(fz->connected == before + 1);
	if (!central) {
		bt_addr_le_t addr = { .type = BT_ADDR_LE_PUBLIC };
		memcpy(addr.a.val, peer, 6);
		conn = bt_conn_lookup_addr_le(BT_ID_DEFAULT, &addr);
	}
	FZ_ASSERT(conn && conn->state == BT_CONN_STATE_CONNECTED && conn->handle == handle);
	return conn;
}

void fz_acl(uint16_t handle, uint8_t pb, const uint8_t *data, uint16_t len)
{
	fake_ctrl_acl(&fz->ctrl, handle, pb, data, len);
}

void fz_l2cap(uint16_t handle, uint16_t cid, const uint8_t *payload, uint16_t len)
{
	uint8_t pdu[4 + 1024];
	len = (uint16_t)MIN(len, sizeof(pdu) - 4);
	sys_put_le16(len, pdu);
	sys_put_le16(cid, pdu + 2);
	memcpy(pdu + 4, payload, len);
	uint16_t total = (uint16_t)(4 + len);
	for (uint16_t off = 0; off < total;) {
		uint16_t n = (uint16_t)MIN(total - off, 251);
		fz_acl(handle, off == 0 ? 2 : 1, pdu + off, n);
		off = (uint16_t)(off + n);
		/* Paced as a controller would: the ACL receive pool is small. */
		ktest_run_ms(&fz->k, 0);
	}
}

static void check_pool(struct net_buf_pool *pool, uint16_t count)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(pool, &st);
	if (st.free != count || st.bad_unref != 0) {
		fprintf(stderr, "pool %s: %u of %u free, %u bad unrefs\n", pool->name ? pool->name : "?", st.free,
			count, st.bad_unref);
		fz_fail(__FILE__, __LINE__, "host pool back to its start count");
	}
}

void fz_check_pools(void)
{
	struct zble_host *h = &fz->host;
	check_pool(&h->cmd_pool, CONFIG_BT_BUF_CMD_TX_COUNT);
	check_pool(&h->evt_pool, CONFIG_BT_BUF_EVT_RX_COUNT);
	check_pool(&h->disc_pool, CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT);
	check_pool(&h->acl_pool, CONFIG_BT_BUF_ACL_RX_COUNT);
	check_pool(&h->tx_pool, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	check_pool(&h->pdu_pool, CONFIG_BT_MAX_CONN);
}

static void collect_live(struct bt_conn *conn, void *data)
{
	uint16_t *handles = data;
	if (conn->state == BT_CONN_STATE_CONNECTED || conn->state == BT_CONN_STATE_DISCONNECTING) {
		handles[handles[0] + 1] = conn->handle;
		handles[0]++;
	}
}

/* Connection objects still in use (listed for the crash report). */
static bool any_conn_object(void)
{
	bool any = false;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		const struct bt_conn *c = &fz->host.conns[i];
		if (c->state != BT_CONN_STATE_DISCONNECTED) {
			fprintf(stderr, "conn %d: state %d, handle 0x%04x, role %u, ref %ld\n", i, (int)c->state, c->handle,
				c->role, (long)atomic_get(&c->ref));
			any = true;
		}
	}
	if (any) {
		fprintf(stderr, "commands the host sent:");
		for (int i = 0; i < fz->ctrl.n_log; i++) {
			fprintf(stderr, " %04x", fz->ctrl.log[i]);
		}
		struct net_buf_pool_stats st;
		net_buf_pool_stats_get(&fz->host.cmd_pool, &st);
		fprintf(stderr, "\ncommand buffers: %u allocation failures; command timeouts %u\n", st.alloc_failures,
			fz->host.stats.cmd_timeouts);
	}
	return any;
}

void fz_down(void)
{
	fz->hold = false;
	/* The controller reports every live link gone (more than one round:
	 * a link may come up meanwhile). */
	for (int round = 0; round < 4; round++) {
		uint16_t handles[1 + CONFIG_BT_MAX_CONN] = { 0 };
		bt_conn_foreach(BT_CONN_TYPE_LE, collect_live, handles);
		for (uint16_t i = 0; i < handles[0]; i++) {
			fake_ctrl_disconn_complete(&fz->ctrl, handles[1 + i], BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		}
		fz_run(10);
	}
	/* Every timeout (commands 10 s, ATT 30 s, L2CAP RTX, connection
	 * creation) runs out. */
	for (int i = 0; i < 10; i++) {
		fz_run(10000);
	}
	FZ_ASSERT(!any_conn_object());
	fz_check_pools();
}

uint8_t fz_u8(struct fz_in *in)
{
	if (in->n == 0) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);
	return (uint16_t)(lo | (fz_u8(in) << 8));
}

size_t fz_bytes(struct fz_in *in, uint8_t *out, size_t max)
{
	size_t n = MIN(max, in->n);
	memcpy(out, in->p, n);
	in->p += n;
	in->n -= n;
	return n;
}
