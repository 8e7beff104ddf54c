/* A seeded fuzz of L2CAP on one link: random and half-valid signalling
 * commands (every LE code, random identifiers, lengths and CIDs), random
 * bytes on the signalling channel, random K-frames on the dynamic CIDs,
 * interleaved with API calls (connect, send, credits, disconnect). The host
 * must stay consistent (credits in range, no leaked buffers once the link
 * is gone) and still open a channel and move data afterwards. coop; run it
 * under ASan/UBSan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "fuzz_seed.h"
#include "l2cap_test_util.h"

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static struct tchan *free_tchan(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(g->tch); i++) {
		if (g->tch[i].le.state == BT_L2CAP_DISCONNECTED) {
			return &g->tch[i];
		}
	}
	return NULL;
}

static uint16_t some_cid(void)
{
	return below(8) == 0 ? (uint16_t)rnd() : (uint16_t)(0x0040 + below(8));
}

static void fuzz_sig(void)
{
	static const uint8_t codes[] = { 0x01, 0x06, 0x07, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a };
	uint8_t code = below(10) == 0 ? (uint8_t)rnd() : codes[below(ARRAY_SIZE(codes))];
	uint8_t d[16];
	for (size_t i = 0; i < sizeof(d); i++) {
		d[i] = (uint8_t)rnd();
	}
	uint16_t len;
	switch (code) {
	case 0x14:
		sys_put_le16(below(4) ? 0x0080 : (uint16_t)rnd(), d);
		sys_put_le16(some_cid(), d + 2);
		sys_put_le16((uint16_t)(below(2) ? 23 + below(600) : rnd()), d + 4);
		sys_put_le16((uint16_t)(below(2) ? 23 + below(200) : rnd()), d + 6);
		sys_put_le16((uint16_t)below(4) == 0 ? (uint16_t)rnd() : (uint16_t)below(20), d + 8);
		len = 10;
		break;
	case 0x15:
		sys_put_le16(some_cid(), d);
		sys_put_le16((uint16_t)(23 + below(600)), d + 2);
		sys_put_le16((uint16_t)(23 + below(200)), d + 4);
		sys_put_le16((uint16_t)below(20), d + 6);
		sys_put_le16(below(3) ? 0 : (uint16_t)below(12), d + 8);
		len = 10;
		break;
	case 0x06:
	case 0x07:
	case 0x16:
		sys_put_le16(some_cid(), d);
		sys_put_le16(code == 0x16 ? (uint16_t)(below(3) ? below(10) : rnd()) : some_cid(), d + 2);
		len = 4;
		break;
	default:
		len = (uint16_t)below(12);
		break;
	}
	if (below(8) == 0) {
		len = (uint16_t)below(16); /* the wrong length now and then */
	}
	/* Identifiers: ours (answers to our requests) or any. */
	uint8_t ident = below(2) ? g->conn->sig_ident : (uint8_t)rnd();
	g->acc.next = free_tchan();
	sig_in_ident(code, ident, d, len);
}

static void fuzz_raw_sig(void)
{
	uint8_t p[40];
	uint16_t len = (uint16_t)below(sizeof(p));
	for (uint16_t i = 0; i < len; i++) {
		p[i] = (uint8_t)rnd();
	}
	if (len >= 4 && below(2)) {
		sys_put_le16((uint16_t)(len - 4), p + 2); /* a consistent length: reaches the handlers */
	}
	l2cap_in(BT_L2CAP_CID_LE_SIG, p, len);
}

static void fuzz_kframe(void)
{
	uint8_t p[260];
	uint16_t len = (uint16_t)below(below(4) ? 120 : 250);
	for (uint16_t i = 0; i < len; i++) {
		p[i] = (uint8_t)rnd();
	}
	if (len >= 2 && below(2)) {
		sys_put_le16((uint16_t)below(400), p); /* a plausible SDU length */
	}
	l2cap_in((uint16_t)(0x0040 + below(8)), p, len);
}

static void fuzz_api(void)
{
	struct tchan *tc = &g->tch[below(ARRAY_SIZE(g->tch))];
	uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)i;
	}
	switch (below(5)) {
	case 0: {
		struct net_buf_pool_stats st;
		net_buf_pool_stats_get(sdu_pool_p, &st);
		if (st.free > 1) {
			struct net_buf *buf = sdu_alloc(data, (uint16_t)below(sizeof(data)));
			if (bt_l2cap_chan_send(&tc->le.chan, buf)) {
				net_buf_unref(buf);
			}
		}
		break;
	}
	case 1:
		(void)bt_l2cap_chan_give_credits(&tc->le.chan, (uint16_t)(1 + below(50)));
		break;
	case 2:
		(void)bt_l2cap_chan_disconnect(&tc->le.chan);
		break;
	default:
		if (tc->le.state == BT_L2CAP_DISCONNECTED) {
			memset(&tc->le.rx, 0, sizeof(tc->le.rx));
			tc->le.rx.mtu = (uint16_t)(23 + below(500));
			tc->le.rx.mps = (uint16_t)(23 + below(230));
			(void)bt_l2cap_chan_connect(g->conn, &tc->le.chan, (uint16_t)(0x0080 + below(4)));
		}
		break;
	}
}

static void check_invariants(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(g->tch); i++) {
		struct bt_l2cap_le_chan *le = &g->tch[i].le;
		assert_true(atomic_get(&le->tx.credits) >= 0 && atomic_get(&le->tx.credits) <= UINT16_MAX);
		assert_true(atomic_get(&le->rx.credits) >= 0 && atomic_get(&le->rx.credits) <= UINT16_MAX);
		assert_true(le->_tx_queued <= CONFIG_BT_L2CAP_CHAN_TX_QUEUE);
		if (le->state == BT_L2CAP_DISCONNECTED) {
			assert_null(le->chan.conn);
		} else {
			assert_ptr_equal(le->chan.conn, g->conn);
		}
	}
}

static void test_fuzz(void **state)
{
	(void)state;
	rng = zble_fuzz_seed("l2cap_fuzz", 0x9e3779b97f4a7c15ull);
	rng = rng ? rng : 0x9e3779b97f4a7c15ull; /* xorshift: any seed but 0 */
	env_link();
	static struct bt_l2cap_server srv[2] = { { .psm = 0x0080, .accept = accept_cb },
						  { .psm = 0x0081, .accept = accept_cb } };
	assert_int_equal(bt_l2cap_server_register(&srv[0]), 0);
	assert_int_equal(bt_l2cap_server_register(&srv[1]), 0);
	for (int i = 0; i < 30000; i++) {
		switch (below(8)) {
		case 0:
		case 1:
		case 2:
			fuzz_sig();
			break;
		case 3:
			fuzz_raw_sig();
			break;
		case 4:
		case 5:
			fuzz_kframe();
			break;
		default:
			fuzz_api();
			break;
		}
		if (i % 16 == 0) {
			out_reset();
			take();
			check_invariants();
		}
		if (i % 3000 == 0 && g->tch[0].le.state == BT_L2CAP_DISCONNECTED) {
			/* A time jump now and then: RTX timers fire. */
			ktest_run_ms(&g->k, 25000);
		}
	}
	out_reset();
	take_all();
	check_invariants();
	print_message("fuzz: %u protocol closes, %u RTX timeouts, %u refused, %u malformed, %u rejects\n",
		      g->host.l2cap.stats.chan_protocol_errors, g->host.l2cap.stats.rtx_timeouts,
		      g->host.l2cap.stats.refused, g->host.l2cap.stats.sig_malformed, g->host.stats.l2cap_rejects);
	assert_true(g->host.l2cap.stats.refused > 0);
	assert_true(g->host.l2cap.stats.chan_protocol_errors > 0);

	/* The link goes: every channel closes, every buffer comes back. */
	fake_ctrl_disconn_complete(&g->ctrl, LINK, BT_HCI_ERR_CONN_TIMEOUT);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	run();
	for (size_t i = 0; i < ARRAY_SIZE(g->tch); i++) {
		assert_int_equal(g->tch[i].le.state, BT_L2CAP_DISCONNECTED);
		assert_null(g->tch[i].le.chan.conn);
	}
	assert_pools_full();

	/* A new link still works end to end. */
	static const uint8_t peer[6] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6 };
	bt_addr_le_t addr = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(addr.a.val, peer, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, LINK, BT_HCI_ROLE_CENTRAL, peer);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	bt_conn_unref(conn);
	take_all();
	struct tchan *tc = &g->tch[0];
	memset(tc, 0, sizeof(*tc));
	tc->le.chan.ops = &tchan_ops;
	open_from_peer(tc, 0x0080, 0x0041, 200, 100, 5);
	uint8_t sdu[150];
	for (size_t i = 0; i < sizeof(sdu); i++) {
		sdu[i] = (uint8_t)(i * 3);
	}
	sdu_in(tc->le.rx.cid, sdu, sizeof(sdu), 100);
	take_all();
	assert_int_equal(tc->recvs, 1);
	assert_memory_equal(tc->rx, sdu, sizeof(sdu));
	out_reset();
	assert_int_equal(bt_l2cap_chan_send(&tc->le.chan, sdu_alloc(sdu, sizeof(sdu))), 0);
	take_all();
	assert_int_equal(count_cid(0x0041), 2);
	assert_int_equal(tc->sent, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuzz, env_setup, env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
