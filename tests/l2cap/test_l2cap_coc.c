/* LE credit-based channels at the PDU level against a scripted controller
 * and a scripted peer: servers, every refusal result, both directions of
 * connection and disconnection, credits (stop at zero, resume, overflow),
 * segmentation and reassembly with malformed input, deferred receiving,
 * back-pressure, several channels, link loss, RTX timeouts, and buffer
 * accounting after each. Both kernel backends. */
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

#include "l2cap_test_util.h"

static struct bt_l2cap_server server = { .accept = accept_cb };

static void register_server(uint16_t psm, bt_security_t sec)
{
	server.psm = psm;
	server.sec_level = sec;
	assert_int_equal(bt_l2cap_server_register(&server), 0);
}

/* ---- servers ---- */

static void test_server_register(void **state)
{
	(void)state;
	static struct bt_l2cap_server dyn[130];
	memset(dyn, 0, sizeof(dyn));
	for (int i = 0; i < 130; i++) {
		dyn[i].accept = accept_cb;
	}
	/* Dynamic PSMs in turn, then none left. */
	assert_int_equal(bt_l2cap_server_register(&dyn[0]), 0);
	assert_int_equal(dyn[0].psm, 0x0080);
	assert_int_equal(dyn[0].sec_level, BT_SECURITY_L1);
	assert_int_equal(bt_l2cap_server_register(&dyn[1]), 0);
	assert_int_equal(dyn[1].psm, 0x0081);
	/* A fixed LE PSM, then the same again. */
	dyn[2].psm = 0x0025;
	assert_int_equal(bt_l2cap_server_register(&dyn[2]), 0);
	dyn[3].psm = 0x0025;
	assert_int_equal(bt_l2cap_server_register(&dyn[3]), -EADDRINUSE);
	dyn[3].psm = 0x0081;
	assert_int_equal(bt_l2cap_server_register(&dyn[3]), -EADDRINUSE);
	/* Out of the LE range, no accept, a security level beyond L4. */
	dyn[3].psm = 0x0100;
	assert_int_equal(bt_l2cap_server_register(&dyn[3]), -EINVAL);
	dyn[4].accept = NULL;
	assert_int_equal(bt_l2cap_server_register(&dyn[4]), -EINVAL);
	dyn[5].sec_level = (bt_security_t)5;
	assert_int_equal(bt_l2cap_server_register(&dyn[5]), -EINVAL);
	dyn[5].sec_level = BT_SECURITY_L1;
	/* 0x80..0xff: 128 dynamic PSMs; 2 + 124 + 2 take them all. */
	for (int i = 6; i < 130; i++) {
		assert_int_equal(bt_l2cap_server_register(&dyn[i]), 0);
		assert_int_equal(dyn[i].psm, 0x0082 + (i - 6));
	}
	dyn[5].psm = 0;
	assert_int_equal(bt_l2cap_server_register(&dyn[5]), 0);
	dyn[3].psm = 0;
	assert_int_equal(bt_l2cap_server_register(&dyn[3]), 0);
	assert_int_equal(dyn[3].psm, 0x00ff);
	dyn[4].psm = 0;
	dyn[4].accept = accept_cb;
	assert_int_equal(bt_l2cap_server_register(&dyn[4]), -EADDRNOTAVAIL);
}

/* ---- the peer asks ---- */

static void test_accept_and_refuse(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	static struct bt_l2cap_server enc = { .psm = 0x0090, .sec_level = BT_SECURITY_L2, .accept = accept_cb };
	static struct bt_l2cap_server mitm = { .psm = 0x0091, .sec_level = BT_SECURITY_L3, .accept = accept_cb };
	assert_int_equal(bt_l2cap_server_register(&enc), 0);
	assert_int_equal(bt_l2cap_server_register(&mitm), 0);

	assert_int_equal(rsp_result(peer_conn_req(0x0099, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_PSM_NOT_SUPP);
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 22, 100, 5)), BT_L2CAP_LE_ERR_UNACCEPT_PARAMS);
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 22, 5)), BT_L2CAP_LE_ERR_UNACCEPT_PARAMS);
	/* Encryption needed: without a key the peer must pair (authentication),
	 * with one it only has to encrypt. */
	assert_int_equal(rsp_result(peer_conn_req(0x0090, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_AUTHENTICATION);
	g->conn->has_ltk = true;
	assert_int_equal(rsp_result(peer_conn_req(0x0090, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_ENCRYPTION);
	g->conn->has_ltk = false;
	assert_int_equal(rsp_result(peer_conn_req(0x0091, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_AUTHENTICATION);
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0020, 100, 100, 5)), BT_L2CAP_LE_ERR_INVALID_SCID);
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0080, 100, 100, 5)), BT_L2CAP_LE_ERR_INVALID_SCID);
	assert_int_equal(g->acc.calls, 0); /* none got as far as the application */
	g->acc.ret = -EACCES;
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_AUTHORIZATION);
	g->acc.ret = -EPERM;
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_KEY_SIZE);
	g->acc.ret = -ENOMEM;
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_NO_RESOURCES);
	g->acc.ret = 0;
	/* A channel without alloc_buf cannot receive. */
	g->tch[5].le.chan.ops = &tchan_ops_noalloc;
	g->acc.next = &g->tch[5];
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_NO_RESOURCES);
	assert_int_equal(g->tch[5].connected, 0);
	/* Refusals carry zeros besides the result. */
	int idx = peer_conn_req(0x0099, 0x0041, 100, 100, 5);
	for (int i = 4; i < 12; i++) {
		assert_int_equal(g->out[idx].d[i], 0);
	}

	/* Accepted: our CID, MTU, MPS and initial credits in the response. */
	struct tchan *a = &g->tch[0];
	a->le.rx.mtu = 500;
	a->le.rx.mps = 100;
	g->acc.next = a;
	idx = peer_conn_req(0x0080, 0x0041, 300, 60, 7);
	assert_int_equal(rsp_result(idx), 0);
	const uint8_t *rsp = g->out[idx].d + 4;
	assert_int_equal(sys_get_le16(rsp), 0x0040);
	assert_int_equal(sys_get_le16(rsp + 2), 500);
	assert_int_equal(sys_get_le16(rsp + 4), 100);
	assert_int_equal(sys_get_le16(rsp + 6), 2 * 6); /* two SDUs of 502 bytes in 100-byte frames */
	assert_int_equal(a->connected, 1);
	assert_int_equal(a->le.tx.cid, 0x0041);
	assert_int_equal(a->le.tx.mtu, 300);
	assert_int_equal(a->le.tx.mps, 60);
	assert_int_equal(atomic_get(&a->le.tx.credits), 7);
	assert_true(a->out);
	assert_int_equal(a->le.psm, 0x0080);
	assert_ptr_equal(a->le.chan.conn, g->conn);
	/* The same source CID again. */
	g->acc.next = &g->tch[1];
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0041, 100, 100, 5)), BT_L2CAP_LE_ERR_SCID_IN_USE);
	/* Up to CONFIG_BT_L2CAP_MAX_CHAN channels, then no resources. */
	for (int i = 1; i < CONFIG_BT_L2CAP_MAX_CHAN; i++) {
		open_from_peer(&g->tch[i], 0x0080, (uint16_t)(0x0041 + i), 100, 100, 5);
		assert_int_equal(g->tch[i].le.rx.cid, 0x0040 + i);
	}
	g->acc.next = &g->tch[5];
	assert_int_equal(rsp_result(peer_conn_req(0x0080, 0x0050, 100, 100, 5)), BT_L2CAP_LE_ERR_NO_RESOURCES);
	assert_int_equal(g->host.l2cap.stats.refused, 15);

	/* A request of the wrong length: Command Reject, not understood. */
	out_reset();
	uint8_t shortreq[9] = { 0x80, 0, 0x51, 0, 100, 0, 100, 0, 5 };
	uint8_t ident = sig_in(0x14, shortreq, sizeof(shortreq));
	take();
	idx = find_sig(0x01, 0);
	assert_true(idx >= 0);
	assert_int_equal(g->out[idx].d[1], ident);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), 0x0000);
	/* The enhanced credit based request is not supported: Command Reject. */
	out_reset();
	uint8_t ecred[10] = { 0x80, 0, 100, 0, 100, 0, 5, 0, 0x52, 0 };
	ident = sig_in(0x17, ecred, sizeof(ecred));
	take();
	idx = find_sig(0x01, 0);
	assert_true(idx >= 0);
	assert_int_equal(g->out[idx].d[1], ident);
	assert_pools_full();
}

/* ---- we ask ---- */

static void test_client_connect(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0], *b = &g->tch[1];
	/* Bad arguments. */
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0), -EINVAL);
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x100), -EINVAL);
	assert_int_equal(bt_l2cap_chan_connect(NULL, &a->le.chan, 0x80), -EINVAL);
	b->le.chan.ops = &tchan_ops_noalloc;
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x80), -EINVAL);
	b->le.chan.ops = &tchan_ops;
	b->le.rx.mtu = 22;
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x80), -EINVAL);
	b->le.rx.mtu = 0;

	/* The request: PSM, our CID, MTU, MPS, credits. */
	a->le.rx.mtu = 1000;
	a->le.rx.mps = 200;
	atomic_set(&a->le.rx.credits, 9);
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0081), 0);
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0081), -EBUSY);
	take();
	int idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	const uint8_t *req = g->out[idx].d;
	uint8_t ident = req[1];
	assert_int_equal(sys_get_le16(req + 2), 10);
	assert_int_equal(sys_get_le16(req + 4), 0x0081);
	assert_int_equal(sys_get_le16(req + 6), 0x0040);
	assert_int_equal(sys_get_le16(req + 8), 1000);
	assert_int_equal(sys_get_le16(req + 10), 200);
	assert_int_equal(sys_get_le16(req + 12), 9);
	assert_int_equal(chan_state(a), BT_L2CAP_CONNECTING);
	/* Frames before the response are dropped, and a response with
	 * another identifier is ignored. */
	uint8_t early[4] = { 2, 0, 'h', 'i' };
	l2cap_in(0x0040, early, 4);
	uint8_t rsp[10] = { 0x60, 0, 0x00, 0x01, 100, 0, 3, 0, 0, 0 };
	sig_in_ident(0x15, (uint8_t)(ident + 1), rsp, sizeof(rsp));
	run();
	assert_int_equal(a->connected, 0);
	assert_int_equal(a->recvs, 0);
	assert_int_equal(g->host.l2cap.stats.rx_dropped, 1);
	/* The response. */
	sig_in_ident(0x15, ident, rsp, sizeof(rsp));
	run();
	assert_int_equal(a->connected, 1);
	assert_int_equal(chan_state(a), BT_L2CAP_CONNECTED);
	assert_int_equal(a->le.tx.cid, 0x0060);
	assert_int_equal(a->le.tx.mtu, 256);
	assert_int_equal(a->le.tx.mps, 100);
	assert_int_equal(atomic_get(&a->le.tx.credits), 3);
	assert_true(a->out);
	assert_int_equal(a->le.ident, 0);
	/* A second response to the same request: ignored. */
	sig_in_ident(0x15, ident, rsp, sizeof(rsp));
	run();
	assert_int_equal(a->connected, 1);

	/* Refused: disconnected with the result. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 0x0041);
	uint8_t refused[10] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0 };
	sig_in_ident(0x15, g->out[idx].d[1], refused, sizeof(refused));
	run();
	assert_int_equal(b->connected, 0);
	assert_int_equal(b->disconnected, 1);
	assert_int_equal(b->released, 1);
	assert_int_equal(b->le.err, -ECONNREFUSED);
	assert_int_equal(b->le.result, BT_L2CAP_LE_ERR_PSM_NOT_SUPP);
	assert_null(b->le.chan.conn);
	assert_int_equal(chan_state(b), BT_L2CAP_DISCONNECTED);

	/* Accepted with a destination CID outside the dynamic range: closed. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	uint8_t bad_cid[10] = { 0x04, 0, 100, 0, 100, 0, 3, 0, 0, 0 };
	sig_in_ident(0x15, g->out[idx].d[1], bad_cid, sizeof(bad_cid));
	run();
	assert_int_equal(b->disconnected, 2);
	assert_int_equal(b->le.err, -EPROTO);
	/* ... and with the peer's CID of another channel. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	uint8_t dup_cid[10] = { 0x60, 0, 100, 0, 100, 0, 3, 0, 0, 0 };
	sig_in_ident(0x15, g->out[idx].d[1], dup_cid, sizeof(dup_cid));
	run();
	assert_int_equal(b->disconnected, 3);
	assert_int_equal(b->le.err, -EPROTO);
	/* ... and with an MPS below 23: disconnected properly. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	uint8_t small_mps[10] = { 0x61, 0, 100, 0, 22, 0, 3, 0, 0, 0 };
	sig_in_ident(0x15, g->out[idx].d[1], small_mps, sizeof(small_mps));
	out_reset();
	take();
	assert_int_equal(b->connected, 0);
	assert_int_equal(chan_state(b), BT_L2CAP_DISCONNECTING);
	peer_disconn_rsp(b);
	assert_int_equal(b->disconnected, 4);
	assert_int_equal(b->le.err, -EPROTO);

	/* The peer does not know the command: Command Reject closes it. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	uint8_t reason[2] = { 0, 0 };
	sig_in_ident(0x01, g->out[idx].d[1], reason, 2);
	run();
	assert_int_equal(b->disconnected, 5);
	assert_int_equal(b->le.err, -EOPNOTSUPP);

	/* Disconnecting a channel still connecting: it waits for the answer;
	 * refused, it closes then. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0082), 0);
	assert_int_equal(bt_l2cap_chan_disconnect(&b->le.chan), 0);
	assert_int_equal(bt_l2cap_chan_disconnect(&b->le.chan), -ENOTCONN);
	take_all();
	assert_int_equal(chan_state(b), BT_L2CAP_DISCONNECTING);
	assert_int_equal(b->disconnected, 5);
	idx = find_sig(0x14, 0);
	sig_in_ident(0x15, g->out[idx].d[1], refused, sizeof(refused));
	run();
	assert_int_equal(b->disconnected, 6);
	assert_int_equal(b->connected, 0);
	assert_int_equal(b->le.err, 0);
	assert_null(b->le.chan.conn);
	take_all();
	assert_pools_full();
}

/* Disconnecting a channel the peer then accepts (Vol 3 Part A 4.6): the
 * peer holds a channel to our CID, so it gets a Disconnection Request for
 * it; forgotten, our next request from that CID would clash with it there
 * ("Source CID already allocated"). */
static void test_disconnect_while_connecting_accepted(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0080), 0);
	take();
	int idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	uint8_t ident = g->out[idx].d[1];
	assert_int_equal(bt_l2cap_chan_disconnect(&a->le.chan), 0);
	static uint8_t d[50];
	struct net_buf *buf = sdu_alloc(d, 50);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, buf), -ESHUTDOWN);
	net_buf_unref(buf);
	assert_int_equal(bt_l2cap_chan_give_credits(&a->le.chan, 1), -ENOTCONN);
	/* Frames and a peer's disconnection request for it before the answer. */
	l2cap_in(0x0040, d, 10);
	uint8_t req[4] = { 0x40, 0, 0x60, 0 };
	out_reset();
	sig_in(0x06, req, 4);
	take_all();
	assert_int_equal(g->n_out, 0); /* not its channel yet: discarded */
	assert_int_equal(a->recvs, 0);
	/* Accepted: a Disconnection Request for the peer's new channel. */
	uint8_t rsp[10] = { 0x60, 0, 100, 0, 100, 0, 5, 0, 0, 0 };
	sig_in_ident(0x15, ident, rsp, sizeof(rsp));
	take_all();
	assert_int_equal(a->connected, 0);
	assert_int_equal(a->disconnected, 0);
	assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTING);
	assert_int_equal(count_cid(0x0060), 0); /* no data on it */
	peer_disconn_rsp(a);
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(a->released, 1);
	assert_int_equal(a->le.err, 0);
	assert_null(a->le.chan.conn);
	/* Never answered: closed at the RTX timeout like any request. */
	if (ktest_is_coop()) {
		assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0080), 0);
		assert_int_equal(bt_l2cap_chan_disconnect(&a->le.chan), 0);
		ktest_run_ms(&g->k, CONFIG_BT_L2CAP_RTX_TIMEOUT_MS + 100);
		assert_int_equal(a->disconnected, 2);
		assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTED);
	}
	take_all();
	assert_pools_full();
}

/* ---- credits ---- */

static void test_credits_stop_and_resume(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 512, 50, 1);
	uint8_t data[3][10];
	for (int i = 0; i < 3; i++) {
		fill(data[i], 10, (uint8_t)(i * 16));
		assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(data[i], 10)), 0);
	}
	/* One credit: one K-frame, then the channel may not send. */
	out_reset();
	take_all();
	assert_int_equal(count_cid(0x0070), 1);
	assert_int_equal(g->out[0].len, 12);
	assert_int_equal(sys_get_le16(g->out[0].d), 10);
	assert_memory_equal(g->out[0].d + 2, data[0], 10);
	assert_int_equal(atomic_get(&a->le.tx.credits), 0);
	assert_false(a->out);
	assert_int_equal(a->sent, 1);
	/* A credit: the next one. */
	out_reset();
	peer_credits(0x0070, 1);
	take_all();
	assert_int_equal(count_cid(0x0070), 1);
	assert_memory_equal(g->out[0].d + 2, data[1], 10);
	assert_int_equal(a->sent, 2);
	/* Plenty: the rest, and the channel stays able to send. */
	out_reset();
	peer_credits(0x0070, 5);
	take_all();
	assert_int_equal(count_cid(0x0070), 1);
	assert_memory_equal(g->out[0].d + 2, data[2], 10);
	assert_int_equal(a->sent, 3);
	assert_int_equal(atomic_get(&a->le.tx.credits), 4);
	assert_true(a->out);
	assert_true(a->statuses >= 3);
	/* A credit indication for a CID no channel has, and one with 0: nothing. */
	peer_credits(0x0071, 5);
	peer_credits(0x0070, 0);
	run();
	assert_int_equal(atomic_get(&a->le.tx.credits), 4);
	/* Credit indication of the wrong length: ignored, counted. */
	uint8_t shortind[3] = { 0x70, 0, 1 };
	sig_in(0x16, shortind, 3);
	run();
	assert_int_equal(atomic_get(&a->le.tx.credits), 4);
	assert_true(g->host.l2cap.stats.sig_malformed >= 1);
	/* Beyond 65535: the channel is disconnected (a protocol violation). */
	out_reset();
	peer_credits(0x0070, 65532);
	take_all();
	assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTING);
	assert_int_equal(a->le.err, -EPROTO);
	assert_true(atomic_test_bit(a->le.chan.status, BT_L2CAP_STATUS_SHUTDOWN));
	struct net_buf *refused = sdu_alloc(data[0], 10);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, refused), -ESHUTDOWN);
	peer_disconn_rsp(a);
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(g->host.l2cap.stats.chan_protocol_errors, 1);
	/* The buffer refused above is still ours. */
	assert_int_equal(refused->ref, 1);
	net_buf_unref(refused);
	assert_pools_full();
}

static void test_credits_overflow_exact(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 512, 50, 1);
	peer_credits(0x0070, 65534); /* exactly 65535: allowed */
	run();
	assert_int_equal(atomic_get(&a->le.tx.credits), 65535);
	assert_int_equal(chan_state(a), BT_L2CAP_CONNECTED);
	peer_credits(0x0070, 1);
	run();
	assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTING);
	out_reset();
	take_all();
	peer_disconn_rsp(a);
	assert_int_equal(a->disconnected, 1);
	assert_pools_full();
}

/* ---- segmentation and reassembly ---- */

static void test_segmentation(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 2000, 100, 100);
	static uint8_t sdu[1000];
	fill(sdu, sizeof(sdu), 3);
	out_reset();
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(sdu, sizeof(sdu))), 0);
	take_all();
	/* 2 + 1000 bytes in K-frames of 100: 11 frames, the last of 2 bytes. */
	assert_int_equal(count_cid(0x0070), 11);
	static uint8_t got[1000];
	size_t off = 0;
	for (int i = 0; i < g->n_out; i++) {
		const struct out_pdu *p = &g->out[i];
		assert_int_equal(p->cid, 0x0070);
		assert_true(p->len <= 100);
		if (i == 0) {
			assert_int_equal(p->len, 100);
			assert_int_equal(sys_get_le16(p->d), 1000);
			memcpy(got, p->d + 2, 98);
			off = 98;
		} else {
			assert_int_equal(p->len, i == 10 ? 2 : 100);
			memcpy(got + off, p->d, p->len);
			off += p->len;
		}
	}
	assert_int_equal(off, 1000);
	assert_memory_equal(got, sdu, 1000);
	assert_int_equal(a->sent, 1);
	assert_int_equal(atomic_get(&a->le.tx.credits), 89);
	/* An SDU beyond the peer's MTU, one without headroom, a zero-length one. */
	static uint8_t big[SDU_MAX];
	a->le.tx.mtu = 1500;
	struct net_buf *b = sdu_alloc(big, 1501);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, b), -EMSGSIZE);
	net_buf_unref(b);
	b = net_buf_alloc(sdu_pool_p, K_NO_WAIT);
	net_buf_add_mem(b, sdu, 10);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, b), -EINVAL);
	net_buf_unref(b);
	out_reset();
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(sdu, 0)), 0);
	take_all();
	assert_int_equal(count_cid(0x0070), 1);
	assert_int_equal(g->out[0].len, 2);
	assert_int_equal(sys_get_le16(g->out[0].d), 0);
	assert_int_equal(a->sent, 2);
	assert_pools_full();
}

/* Smaller controller buffers: K-frames are fragmented by the ACL layer. */
static void test_segmentation_small_acl(void **state)
{
	(void)state;
	g->ctrl.acl_mtu = 27;
	g->ctrl.acl_pkts = 3;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 2000, 247, 100);
	static uint8_t sdu[SDU_MAX];
	fill(sdu, sizeof(sdu), 9);
	out_reset();
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(sdu, sizeof(sdu))), 0);
	take_all();
	/* 2002 bytes in frames of 247: 9 frames. */
	assert_int_equal(count_cid(0x0070), 9);
	static uint8_t got[SDU_MAX];
	size_t off = 0;
	for (int i = 0; i < g->n_out; i++) {
		const uint8_t *d = g->out[i].d + (i == 0 ? 2 : 0);
		uint16_t n = (uint16_t)(g->out[i].len - (i == 0 ? 2 : 0));
		memcpy(got + off, d, n);
		off += n;
	}
	assert_int_equal(off, SDU_MAX);
	assert_memory_equal(got, sdu, SDU_MAX);
	assert_int_equal(a->sent, 1);
	assert_pools_full();
}

static void test_reassembly(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0];
	a->le.rx.mtu = 700;
	a->le.rx.mps = 100;
	open_from_peer(a, 0x0080, 0x0041, 100, 100, 10);
	long initial = atomic_get(&a->le.rx.credits);
	assert_int_equal(initial, 16); /* 2 x ceil(702 / 100) */
	static uint8_t sdu[700];
	fill(sdu, sizeof(sdu), 5);
	out_reset();
	sdu_in(0x0040, sdu, 600, 100); /* 7 frames */
	take_all();
	assert_int_equal(a->recvs, 1);
	assert_int_equal(a->rx_len, 600);
	assert_memory_equal(a->rx, sdu, 600);
	/* Its 7 credits came back in one indication. */
	int idx = find_sig(0x16, 0);
	assert_true(idx >= 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), 0x0040);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 7);
	assert_int_equal(atomic_get(&a->le.rx.credits), initial);
	/* The largest SDU, in frames smaller than MPS. */
	sdu_in(0x0040, sdu, 700, 50); /* 15 frames of the 16 credits */
	take_all();
	assert_int_equal(a->recvs, 2);
	assert_int_equal(a->rx_len, 700);
	assert_memory_equal(a->rx, sdu, 700);
	assert_int_equal(atomic_get(&a->le.rx.credits), initial);
	/* Two SDUs back to back, one frame each, and an empty one. */
	sdu_in(0x0040, sdu + 1, 50, 100);
	sdu_in(0x0040, sdu + 2, 0, 100);
	take_all();
	assert_int_equal(a->recvs, 4);
	assert_int_equal(a->rx_len, 0);
	assert_int_equal(a->rx_total, 600 + 700 + 50);
	assert_pools_full();
}

/* Each violation disconnects the channel; the peer's response closes it. */
static void violation(struct tchan *tc, uint16_t scid, void (*inject)(uint16_t cid), int err)
{
	tc->le.rx.mtu = 300;
	tc->le.rx.mps = 100;
	atomic_set(&tc->le.rx.credits, 5);
	open_from_peer(tc, 0x0080, scid, 100, 100, 10);
	uint16_t cid = tc->le.rx.cid;
	out_reset();
	inject(cid);
	take_all();
	assert_int_equal(chan_state(tc), BT_L2CAP_DISCONNECTING);
	assert_int_equal(tc->le.err, err);
	assert_int_equal(tc->recvs, 0);
	/* Data after the request is dropped. */
	uint8_t more[4] = { 2, 0, 1, 2 };
	l2cap_in(cid, more, 4);
	run();
	assert_int_equal(tc->recvs, 0);
	peer_disconn_rsp(tc);
	assert_int_equal(tc->disconnected, 1);
	assert_int_equal(chan_state(tc), BT_L2CAP_DISCONNECTED);
}

static void inject_sdu_too_long(uint16_t cid)
{
	uint8_t f[10] = { 0x2d, 0x01 }; /* 301 > MTU 300 */
	l2cap_in(cid, f, sizeof(f));
}

static void inject_frame_too_big(uint16_t cid)
{
	uint8_t f[101] = { 50, 0 };
	l2cap_in(cid, f, sizeof(f));
}

static void inject_extra_data(uint16_t cid)
{
	uint8_t f[60] = { 40, 0 }; /* 58 bytes for an SDU of 40 */
	l2cap_in(cid, f, 30);
	l2cap_in(cid, f, 30); /* the second frame overruns */
}

static void inject_without_credits(uint16_t cid)
{
	uint8_t f[12] = { 10, 0 };
	for (int i = 0; i < 6; i++) { /* 5 credits given */
		l2cap_in(cid, f, sizeof(f));
	}
}

static void inject_no_sdu_header(uint16_t cid)
{
	uint8_t f[1] = { 7 };
	l2cap_in(cid, f, 1);
}

static void test_reassembly_malformed(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	/* recv must not run for the over-long frames; the no-credit case
	 * delivers the first five SDUs, so it gets its own check. */
	violation(&g->tch[0], 0x0041, inject_sdu_too_long, -EPROTO);
	violation(&g->tch[1], 0x0042, inject_frame_too_big, -EPROTO);
	violation(&g->tch[2], 0x0043, inject_extra_data, -EPROTO);
	violation(&g->tch[3], 0x0044, inject_no_sdu_header, -EPROTO);
	assert_int_equal(g->host.l2cap.stats.chan_protocol_errors, 4);

	/* Frames beyond the credits given: the five that had credits arrive,
	 * the sixth disconnects. Credits returned meanwhile would let it
	 * through, so the application holds the SDUs (-EINPROGRESS). */
	struct tchan *t = &g->tch[4];
	t->recv_ret = -EINPROGRESS;
	t->le.rx.mtu = 300;
	t->le.rx.mps = 100;
	atomic_set(&t->le.rx.credits, 5);
	open_from_peer(t, 0x0080, 0x0045, 100, 100, 10);
	out_reset();
	inject_without_credits(t->le.rx.cid);
	take_all();
	assert_int_equal(t->recvs, 5);
	assert_int_equal(t->le.err, -EPROTO);
	assert_int_equal(chan_state(t), BT_L2CAP_DISCONNECTING);
	assert_int_equal(find_sig(0x16, 0), -1); /* no credits given back */
	peer_disconn_rsp(t);
	assert_int_equal(t->disconnected, 1);
	for (int i = 0; i < t->nheld; i++) {
		/* Closed: the buffers are freed, no credits. */
		assert_int_equal(bt_l2cap_chan_recv_complete(&t->le.chan, t->held[i]), -ENOTCONN);
	}

	/* No SDU buffer (alloc_buf NULL, or too small): disconnected. */
	struct tchan *u = &g->tch[5];
	u->no_buf = true;
	u->le.rx.mtu = 300;
	open_from_peer(u, 0x0080, 0x0046, 100, 100, 10);
	out_reset();
	uint8_t f[12] = { 10, 0 };
	l2cap_in(u->le.rx.cid, f, sizeof(f));
	take_all();
	assert_int_equal(u->le.err, -ENOMEM);
	peer_disconn_rsp(u);
	assert_int_equal(u->disconnected, 1);
	memset(u, 0, sizeof(*u));
	u->le.chan.ops = &tchan_ops;
	u->small_buf = true;
	u->le.rx.mtu = 300;
	open_from_peer(u, 0x0080, 0x0047, 100, 100, 10);
	out_reset();
	l2cap_in(u->le.rx.cid, f, sizeof(f));
	take_all();
	assert_int_equal(u->le.err, -ENOMEM);
	peer_disconn_rsp(u);
	assert_pools_full();
}

static void test_deferred_recv_and_give_credits(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0];
	a->recv_ret = -EINPROGRESS;
	a->le.rx.mtu = 200;
	a->le.rx.mps = 50;
	atomic_set(&a->le.rx.credits, 20);
	open_from_peer(a, 0x0080, 0x0041, 100, 100, 10);
	static uint8_t sdu[200];
	fill(sdu, sizeof(sdu), 1);
	out_reset();
	sdu_in(0x0040, sdu, 150, 50); /* 4 frames */
	sdu_in(0x0040, sdu, 40, 50);  /* 1 frame */
	take_all();
	assert_int_equal(a->recvs, 2);
	assert_int_equal(a->nheld, 2);
	assert_int_equal(find_sig(0x16, 0), -1); /* held: no credits yet */
	assert_int_equal(atomic_get(&a->le.rx.credits), 15);
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(rx_pool_p, &st);
	assert_int_equal(st.free, RX_BUFS - 2);
	/* Completing returns each SDU's credits. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_recv_complete(&a->le.chan, a->held[0]), 0);
	take_all();
	int idx = find_sig(0x16, 0);
	assert_true(idx >= 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 4);
	out_reset();
	assert_int_equal(bt_l2cap_chan_recv_complete(&a->le.chan, a->held[1]), 0);
	take_all();
	idx = find_sig(0x16, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 1);
	assert_int_equal(atomic_get(&a->le.rx.credits), 20);
	/* More credits on request. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_give_credits(&a->le.chan, 30), 0);
	assert_int_equal(bt_l2cap_chan_give_credits(&a->le.chan, 0), -EINVAL);
	take_all();
	idx = find_sig(0x16, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), 0x0040);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 30);
	assert_int_equal(atomic_get(&a->le.rx.credits), 50);
	/* Never beyond 65535 in the peer's hands. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_give_credits(&a->le.chan, 65535), 0);
	take_all();
	idx = find_sig(0x16, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 65535 - 50);
	assert_int_equal(atomic_get(&a->le.rx.credits), 65535);
	assert_pools_full();
}

/* ---- disconnection ---- */

static void test_disconnect_both_ways(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0], *b = &g->tch[1];
	open_from_peer(a, 0x0080, 0x0041, 100, 100, 10);
	open_to_peer(b, 0x0090, 0x0052, 100, 100, 10);
	assert_int_equal(b->le.rx.cid, 0x0041);

	/* Ours: request, then the response closes it. */
	out_reset();
	assert_int_equal(bt_l2cap_chan_disconnect(&a->le.chan), 0);
	assert_int_equal(bt_l2cap_chan_disconnect(&a->le.chan), -ENOTCONN);
	take_all();
	assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTING);
	assert_int_equal(a->disconnected, 0);
	int idx = find_sig(0x06, 0);
	assert_true(idx >= 0);
	/* A response with the wrong CIDs or identifier: ignored. */
	uint8_t wrong[4] = { 0x42, 0, 0x40, 0 };
	sig_in_ident(0x07, g->out[idx].d[1], wrong, 4);
	sig_in_ident(0x07, (uint8_t)(g->out[idx].d[1] + 1), g->out[idx].d + 4, 4);
	run();
	assert_int_equal(a->disconnected, 0);
	peer_disconn_rsp(a);
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(a->released, 1);
	assert_int_equal(a->le.err, 0);
	assert_null(a->le.chan.conn);

	/* The peer's: we answer with the same CIDs and close. A wrong source
	 * CID is discarded silently, an unknown destination CID rejected. */
	uint8_t req[4];
	sys_put_le16(0x0041, req);
	sys_put_le16(0x0053, req + 2);
	out_reset();
	sig_in(0x06, req, 4);
	take_all();
	assert_int_equal(g->n_out, 0);
	assert_int_equal(b->disconnected, 0);
	sys_put_le16(0x0045, req);
	sys_put_le16(0x0052, req + 2);
	uint8_t ident = sig_in(0x06, req, 4);
	take_all();
	idx = find_sig(0x01, 0);
	assert_true(idx >= 0);
	assert_int_equal(g->out[idx].d[1], ident);
	assert_int_equal(g->out[idx].len, 10);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), 0x0002);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 0x0045);
	assert_int_equal(sys_get_le16(g->out[idx].d + 8), 0x0052);
	out_reset();
	sys_put_le16(0x0041, req);
	ident = sig_in(0x06, req, 4);
	take_all();
	idx = find_sig(0x07, 0);
	assert_true(idx >= 0);
	assert_int_equal(g->out[idx].d[1], ident);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), 0x0041);
	assert_int_equal(sys_get_le16(g->out[idx].d + 6), 0x0052);
	assert_int_equal(b->disconnected, 1);
	assert_int_equal(b->le.err, 0);
	/* A disconnection request of the wrong length: rejected. */
	out_reset();
	sig_in(0x06, req, 3);
	take_all();
	assert_true(find_sig(0x01, 0) >= 0);
	/* The channel object can be used again. */
	b->connected = 0;
	open_to_peer(b, 0x0090, 0x0052, 100, 100, 10);
	assert_pools_full();
}

static void test_link_loss(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0], *b = &g->tch[1], *c = &g->tch[2];
	open_from_peer(a, 0x0080, 0x0041, 1000, 100, 0); /* no credits: SDUs stay queued */
	open_to_peer(b, 0x0090, 0x0052, 1000, 100, 1);
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &c->le.chan, 0x0091), 0); /* never answered */
	static uint8_t sdu[500];
	fill(sdu, sizeof(sdu), 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(sdu, 500)), 0);
		assert_int_equal(bt_l2cap_chan_send(&b->le.chan, sdu_alloc(sdu, 500)), 0);
	}
	/* Half an incoming SDU on a. */
	uint8_t f[50] = { 200, 0 };
	l2cap_in(a->le.rx.cid, f, sizeof(f));
	run();
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(rx_pool_p, &st);
	assert_int_equal(st.free, RX_BUFS - 1);
	net_buf_pool_stats_get(sdu_pool_p, &st);
	assert_true(st.free < SDU_BUFS);
	/* The link goes: every channel hears it, everything is freed. */
	fake_ctrl_disconn_complete(&g->ctrl, LINK, BT_HCI_ERR_CONN_TIMEOUT);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	run();
	for (int i = 0; i < 3; i++) {
		struct tchan *t = &g->tch[i];
		assert_int_equal(t->disconnected, 1);
		assert_int_equal(t->released, 1);
		assert_int_equal(t->le.err, -ENOTCONN);
		assert_int_equal(chan_state(t), BT_L2CAP_DISCONNECTED);
		assert_null(t->le.chan.conn);
	}
	struct net_buf *refused = sdu_alloc(sdu, 10);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, refused), -ENOTCONN);
	net_buf_unref(refused);
	assert_pools_full();
	/* No RTX timer fires for the request that never got an answer. */
	ktest_run_ms(&g->k, ktest_is_coop() ? 60000 : 50);
	run();
	assert_int_equal(c->disconnected, 1);
	assert_int_equal(g->host.l2cap.stats.rtx_timeouts, 0);
}

/* ---- several channels, back-pressure ---- */

static void test_several_channels(void **state)
{
	(void)state;
	env_link();
	struct tchan *t[3] = { &g->tch[0], &g->tch[1], &g->tch[2] };
	for (int i = 0; i < 3; i++) {
		open_to_peer(t[i], (uint16_t)(0x0080 + i), (uint16_t)(0x0060 + i), 1000, 100, 50);
		assert_int_equal(t[i]->le.rx.cid, 0x0040 + i);
	}
	static uint8_t sdu[3][400];
	for (int i = 0; i < 3; i++) {
		fill(sdu[i], 400, (uint8_t)(i * 40));
		assert_int_equal(bt_l2cap_chan_send(&t[i]->le.chan, sdu_alloc(sdu[i], 400)), 0);
	}
	out_reset();
	take_all();
	/* 402 bytes in 100-byte frames: 5 per channel, channels in turn. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(count_cid((uint16_t)(0x0060 + i)), 5);
		assert_int_equal(t[i]->sent, 1);
	}
	if (ktest_is_coop()) { /* all three queued before the TX work ran: in turn */
		assert_int_equal(g->out[0].cid, 0x0060);
		assert_int_equal(g->out[1].cid, 0x0061);
		assert_int_equal(g->out[2].cid, 0x0062);
	}
	for (int i = 0; i < 3; i++) {
		uint8_t got[400];
		size_t off = 0;
		bool first = true;
		for (int j = 0; j < g->n_out; j++) {
			if (g->out[j].cid != 0x0060 + i) {
				continue;
			}
			uint16_t skip = first ? 2 : 0;
			memcpy(got + off, g->out[j].d + skip, g->out[j].len - skip);
			off += g->out[j].len - skip;
			first = false;
		}
		assert_int_equal(off, 400);
		assert_memory_equal(got, sdu[i], 400);
	}
	/* Incoming on each, interleaved frame by frame. */
	for (int i = 0; i < 3; i++) {
		uint8_t first[52] = { 100, 0 };
		memcpy(first + 2, sdu[i], 50);
		l2cap_in((uint16_t)(0x0040 + i), first, sizeof(first));
	}
	for (int i = 0; i < 3; i++) {
		l2cap_in((uint16_t)(0x0040 + i), sdu[i] + 50, 50);
	}
	take_all();
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t[i]->recvs, 1);
		assert_int_equal(t[i]->rx_len, 100);
		assert_memory_equal(t[i]->rx, sdu[i], 100);
	}
	assert_pools_full();
}

static void test_back_pressure(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 1000, 100, 0);
	uint8_t d[20];
	fill(d, sizeof(d), 0);
	for (int i = 0; i < CONFIG_BT_L2CAP_CHAN_TX_QUEUE; i++) {
		assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(d, 20)), 0);
	}
	/* Full: refused, and the buffer stays the caller's. */
	struct net_buf *extra = sdu_alloc(d, 20);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, extra), -EAGAIN);
	assert_int_equal(extra->ref, 1);
	out_reset();
	take_all();
	assert_int_equal(count_cid(0x0070), 0);
	assert_false(a->out);
	/* Credits drain the queue; then there is room again. */
	peer_credits(0x0070, 2);
	take_all();
	assert_int_equal(count_cid(0x0070), 2);
	assert_int_equal(a->sent, 2);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, extra), 0);
	peer_credits(0x0070, 10);
	take_all();
	assert_int_equal(count_cid(0x0070), CONFIG_BT_L2CAP_CHAN_TX_QUEUE + 1);
	assert_int_equal(a->sent, CONFIG_BT_L2CAP_CHAN_TX_QUEUE + 1);
	assert_pools_full();
}

/* Other users of the TX pool hold buffers: sending waits, then resumes. */
static void test_tx_pool_exhaustion(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0];
	open_to_peer(a, 0x0080, 0x0070, 1000, 100, 20);
	struct net_buf *held[CONFIG_BT_L2CAP_TX_BUF_COUNT];
	int n = 0;
	while (n < CONFIG_BT_L2CAP_TX_BUF_COUNT - CONFIG_BT_L2CAP_TX_RESERVE) {
		held[n] = zble_acl_alloc(&g->host, K_NO_WAIT);
		assert_non_null(held[n]);
		n++;
	}
	uint8_t d[150];
	fill(d, sizeof(d), 4);
	assert_int_equal(bt_l2cap_chan_send(&a->le.chan, sdu_alloc(d, 150)), 0);
	out_reset();
	take_all();
	assert_int_equal(count_cid(0x0070), 0);
	assert_true(g->host.l2cap.stats.tx_retries > 0);
	for (int i = 0; i < n; i++) {
		net_buf_unref(held[i]);
	}
	take_all();
	assert_int_equal(count_cid(0x0070), 2);
	assert_int_equal(a->sent, 1);
	assert_pools_full();
}

/* ---- timers ---- */

static void test_rtx_timeout(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 20 s of real time */
	}
	env_link();
	struct tchan *a = &g->tch[0], *b = &g->tch[1];
	/* A connection request never answered. */
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0080), 0);
	take_all();
	ktest_run_ms(&g->k, CONFIG_BT_L2CAP_RTX_TIMEOUT_MS - 200);
	assert_int_equal(a->disconnected, 0);
	ktest_run_ms(&g->k, 200);
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(a->le.err, -ETIMEDOUT);
	assert_int_equal(g->host.l2cap.stats.rtx_timeouts, 1);
	/* A disconnection request never answered. */
	open_to_peer(b, 0x0080, 0x0060, 100, 100, 1);
	out_reset();
	assert_int_equal(bt_l2cap_chan_disconnect(&b->le.chan), 0);
	take();
	int idx = find_sig(0x06, 0);
	assert_true(idx >= 0);
	uint8_t ident = g->out[idx].d[1];
	ktest_run_ms(&g->k, CONFIG_BT_L2CAP_RTX_TIMEOUT_MS + 100);
	assert_int_equal(b->disconnected, 1);
	assert_int_equal(b->le.err, -ETIMEDOUT);
	assert_int_equal(g->host.l2cap.stats.rtx_timeouts, 2);
	/* A late response: ignored. */
	uint8_t rsp[4] = { 0x60, 0, 0x41, 0 };
	sig_in_ident(0x07, ident, rsp, 4);
	run();
	assert_int_equal(b->disconnected, 1);
	b->connected = 0;
	/* Two requests: each times out at its own deadline. */
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &a->le.chan, 0x0080), 0);
	ktest_run_ms(&g->k, 5000);
	take_all();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0080), 0);
	ktest_run_ms(&g->k, CONFIG_BT_L2CAP_RTX_TIMEOUT_MS - 5000 + 100);
	assert_int_equal(a->disconnected, 2);
	assert_int_equal(b->disconnected, 1);
	ktest_run_ms(&g->k, 5000);
	assert_int_equal(b->disconnected, 2);
	take_all();
	assert_pools_full();
}

/* ---- fixed channel hardening ---- */

static void test_signalling_lengths(void **state)
{
	(void)state;
	env_link();
	uint32_t malformed = g->host.l2cap.stats.sig_malformed;
	/* Responses and indications of a wrong length are dropped, not answered. */
	out_reset();
	uint8_t d[12] = { 0 };
	sig_in(0x13, d, 3);  /* parameter update response */
	sig_in(0x01, d, 1);  /* command reject */
	sig_in(0x15, d, 9);  /* LE connection response */
	sig_in(0x15, d, 11);
	sig_in(0x16, d, 5);  /* credits */
	sig_in(0x07, d, 2);  /* disconnection response */
	take_all();
	assert_int_equal(g->n_out, 0);
	assert_int_equal(g->host.l2cap.stats.sig_malformed, malformed + 6);
	/* Requests of a wrong length get Command Reject. */
	sig_in(0x14, d, 11);
	sig_in(0x06, d, 5);
	sig_in(0x12, d, 7);
	take_all();
	assert_int_equal(g->n_out, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g->out[i].d[0], 0x01);
	}
	/* Each enhanced credit based command: Command Reject. */
	out_reset();
	for (uint8_t code = 0x17; code <= 0x1a; code++) {
		sig_in(code, d, 8);
	}
	take_all();
	assert_int_equal(g->n_out, 4);
	assert_pools_full();
}

/* ---- regressions ---- */

/* Our identifiers cycle 1..255, and Flow Control Credit Indications use
 * them up quickly; one still waiting for its response is never handed out
 * again (Vol 3 Part A 4: the identifier matches a response to its request),
 * or the peer's answer to one request would settle the other. */
static void test_ident_not_reused_while_pending(void **state)
{
	(void)state;
	env_link();
	struct tchan *a = &g->tch[0], *b = &g->tch[1], *c = &g->tch[2];
	open_to_peer(a, 0x0080, 0x0060, 100, 100, 10);
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0081), 0);
	take();
	int idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	uint8_t b_ident = g->out[idx].d[1];
	/* 254 more commands bring the counter round to b's identifier. */
	for (int i = 0; i < 254; i++) {
		assert_int_equal(bt_l2cap_chan_give_credits(&a->le.chan, 1), 0);
		if (i % 4 == 3) {
			out_reset();
			take();
		}
	}
	out_reset();
	take_all();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &c->le.chan, 0x0082), 0);
	take();
	idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	uint8_t c_ident = g->out[idx].d[1];
	assert_int_not_equal(c_ident, b_ident);
	assert_int_not_equal(c_ident, 0);
	/* The answer to c opens c, not b. */
	uint8_t rsp[10] = { 0x62, 0, 100, 0, 100, 0, 3, 0, 0, 0 };
	sig_in_ident(0x15, c_ident, rsp, sizeof(rsp));
	run();
	assert_int_equal(c->connected, 1);
	assert_int_equal(c->le.tx.cid, 0x0062);
	assert_int_equal(b->connected, 0);
	assert_int_equal(chan_state(b), BT_L2CAP_CONNECTING);
	sys_put_le16(0x0061, rsp);
	sig_in_ident(0x15, b_ident, rsp, sizeof(rsp));
	run();
	assert_int_equal(b->connected, 1);
	assert_int_equal(b->le.tx.cid, 0x0061);
	take_all();
	assert_pools_full();
}

/* A channel object used again starts with the initial credits set for it
 * (or the default), not with what the peer happened to hold when the
 * previous channel closed: fewer than one SDU's worth would stall the
 * peer for good (credits come back per whole SDU). */
static void test_reuse_initial_credits(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0];
	a->le.rx.mtu = 500;
	a->le.rx.mps = 100;
	a->recv_ret = -EINPROGRESS;
	int idx = -1;
	open_from_peer(a, 0x0080, 0x0041, 100, 100, 5);
	idx = find_sig(0x15, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4 + 6), 12); /* 2 SDUs of 502 bytes in 100 */
	static uint8_t sdu[500];
	fill(sdu, sizeof(sdu), 3);
	sdu_in(a->le.rx.cid, sdu, 500, 100); /* 6 frames, held */
	uint8_t part[100] = { 0xf4, 0x01 };
	l2cap_in(a->le.rx.cid, part, sizeof(part)); /* 3 of the next SDU's frames */
	l2cap_in(a->le.rx.cid, part, sizeof(part));
	l2cap_in(a->le.rx.cid, part, sizeof(part));
	run();
	assert_int_equal(a->recvs, 1);
	assert_int_equal(atomic_get(&a->le.rx.credits), 3);
	/* The peer closes the channel; the held SDU is given back late. */
	uint8_t req[4];
	sys_put_le16(a->le.rx.cid, req);
	sys_put_le16(0x0041, req + 2);
	sig_in(0x06, req, 4);
	take_all();
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(bt_l2cap_chan_recv_complete(&a->le.chan, a->held[0]), -ENOTCONN);
	/* Accepted again: the default initial credits. */
	a->connected = 0;
	a->nheld = 0;
	open_from_peer(a, 0x0080, 0x0042, 100, 100, 5);
	idx = find_sig(0x15, 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4 + 6), 12);
	assert_int_equal(atomic_get(&a->le.rx.credits), 12);
	/* Initial credits set by the application hold for each use too. */
	struct tchan *b = &g->tch[1];
	atomic_set(&b->le.rx.credits, 9);
	open_to_peer(b, 0x0090, 0x0050, 100, 100, 5);
	out_reset();
	assert_int_equal(bt_l2cap_chan_give_credits(&b->le.chan, 100), 0);
	take_all();
	assert_int_equal(atomic_get(&b->le.rx.credits), 109);
	out_reset();
	assert_int_equal(bt_l2cap_chan_disconnect(&b->le.chan), 0);
	take_all();
	peer_disconn_rsp(b);
	assert_int_equal(b->disconnected, 1);
	out_reset();
	b->connected = 0;
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &b->le.chan, 0x0090), 0);
	take();
	idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	assert_int_equal(sys_get_le16(g->out[idx].d + 12), 9);
	take_all();
	assert_pools_full();
}

/* Identifier 0 is never valid (Vol 3 Part A 4): a command carrying it is
 * not answered, not even with the Command Reject for an over-long one,
 * since that reject would have to carry identifier 0 itself. */
static void test_signalling_ident_zero(void **state)
{
	(void)state;
	env_link();
	uint8_t d[40] = { 0 };
	out_reset();
	sig_in_ident(0x06, 0, d, 4);  /* disconnection request, unknown CID */
	sig_in_ident(0x14, 0, d, 10); /* connection request, unknown SPSM */
	sig_in_ident(0x20, 0, d, 4);  /* unknown command */
	sig_in_ident(0x14, 0, d, 30); /* longer than the signalling MTU */
	take_all();
	assert_int_equal(g->n_out, 0);
	/* With a valid identifier the long one is rejected (MTU exceeded, 23). */
	sig_in_ident(0x14, 7, d, 30);
	take_all();
	assert_int_equal(g->n_out, 1);
	assert_int_equal(g->out[0].d[0], 0x01);
	assert_int_equal(g->out[0].d[1], 7);
	assert_int_equal(sys_get_le16(g->out[0].d + 4), 0x0001);
	assert_int_equal(sys_get_le16(g->out[0].d + 6), 23);
	assert_pools_full();
}

/* An application that connects its channel again from ops->disconnected.
 * Link loss refuses that (the link is gone); bt_disable must as well, or
 * closing the link's channels never ends (bounded here to 5 rounds). */
static int reconnects, reconnect_err;

static void reconnect_disconnected(struct bt_l2cap_chan *chan)
{
	CONTAINER_OF(BT_L2CAP_LE_CHAN(chan), struct tchan, le)->disconnected++;
	if (reconnects < 5) {
		reconnects++;
		reconnect_err = bt_l2cap_chan_connect(g->conn, chan, 0x0080);
	}
}

static void test_reconnect_from_disconnected_on_disable(void **state)
{
	(void)state;
	static struct bt_l2cap_chan_ops ops;
	ops = tchan_ops;
	ops.disconnected = reconnect_disconnected;
	env_link();
	struct tchan *a = &g->tch[0];
	a->le.chan.ops = &ops;
	open_to_peer(a, 0x0080, 0x0060, 100, 100, 10);
	reconnects = 0;
	reconnect_err = 0;
	assert_int_equal(bt_disable(), 0);
	assert_int_equal(reconnects, 1);
	assert_int_not_equal(reconnect_err, 0);
	assert_int_equal(a->disconnected, 1);
	assert_int_equal(chan_state(a), BT_L2CAP_DISCONNECTED);
	assert_null(a->le.chan.conn);
}

/* More SDUs held (-EINPROGRESS) than CONFIG_BT_L2CAP_DEFERRED_MAX counts
 * exactly: completing them all gives back exactly the credits they used,
 * not more than the peer had (credits beyond the application's buffers
 * defeat the flow control). */
static void test_deferred_beyond_table(void **state)
{
	(void)state;
	env_link();
	register_server(0x0080, BT_SECURITY_L1);
	struct tchan *a = &g->tch[0];
	a->recv_ret = -EINPROGRESS;
	a->le.rx.mtu = 100;
	a->le.rx.mps = 100;
	atomic_set(&a->le.rx.credits, 10);
	open_from_peer(a, 0x0080, 0x0041, 100, 100, 10);
	enum { N = CONFIG_BT_L2CAP_DEFERRED_MAX + 2 };
	assert_true(N <= 8 && N <= RX_BUFS);
	uint8_t sdu[20];
	fill(sdu, sizeof(sdu), 9);
	for (int i = 0; i < N; i++) {
		sdu_in(a->le.rx.cid, sdu, sizeof(sdu), 100); /* one frame each */
	}
	run();
	assert_int_equal(a->nheld, N);
	assert_int_equal(atomic_get(&a->le.rx.credits), 10 - N);
	out_reset();
	for (int i = 0; i < N; i++) {
		assert_int_equal(bt_l2cap_chan_recv_complete(&a->le.chan, a->held[i]), 0);
		take_all();
	}
	unsigned given = 0;
	for (int i = 0, idx; (idx = find_sig(0x16, i)) >= 0; i++) {
		given += sys_get_le16(g->out[idx].d + 6);
	}
	assert_int_equal(given, N);
	assert_int_equal(atomic_get(&a->le.rx.credits), 10);
	assert_pools_full();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_server_register, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_accept_and_refuse, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_client_connect, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_while_connecting_accepted, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_credits_stop_and_resume, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_credits_overflow_exact, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_segmentation, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_segmentation_small_acl, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_reassembly, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_reassembly_malformed, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_deferred_recv_and_give_credits, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_both_ways, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_link_loss, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_several_channels, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_back_pressure, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_tx_pool_exhaustion, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_rtx_timeout, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_signalling_lengths, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_ident_not_reused_while_pending, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_reuse_initial_credits, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_signalling_ident_zero, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_from_disconnected_on_disable, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_deferred_beyond_table, env_setup, env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
