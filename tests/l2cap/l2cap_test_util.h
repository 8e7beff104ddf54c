/* A link to a scripted controller and a scripted peer L2CAP for the
 * credit-based channel tests: what the host sends is parsed back into
 * L2CAP PDUs (and acknowledged with Number Of Completed Packets), what the
 * peer says is injected as ACL data. Application channels with counters. */
#ifndef L2CAP_TEST_UTIL_H
#define L2CAP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/l2cap.h>

#include "fake_ctrl.h"
#include "ktest.h"

#define LINK 0x0001
#define RX_BUFS 6
#define RX_BUF_SIZE 2100
#define SDU_BUFS 10
#define SDU_MAX 2000
#define OUT_MAX 256

struct tchan {
	struct bt_l2cap_le_chan le;
	int connected, disconnected, released, sent, statuses;
	bool out;
	int recvs;
	size_t rx_len;
	uint8_t rx[RX_BUF_SIZE];
	uint32_t rx_total;
	int recv_ret; /* what recv returns; -EINPROGRESS: held in held[] */
	struct net_buf *held[8];
	int nheld;
	bool no_buf;  /* alloc_buf returns NULL */
	bool small_buf; /* alloc_buf returns a buffer with little room */
};

/* One L2CAP PDU the host sent. */
struct out_pdu {
	uint16_t cid;
	uint16_t len;
	uint8_t d[300];
};

struct env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected;
	struct bt_conn *conn;
	struct out_pdu out[OUT_MAX];
	int n_out;
	size_t frag_have; /* bytes of the last PDU seen so far (0: complete) */
	uint8_t frag_hdr[4];
	/* The PDU in progress when out_reset() cleared out[]: its remaining
	 * fragments are still to come and are reassembled here, not in out[]. */
	struct out_pdu reset_pdu;
	bool in_reset_pdu;
	uint8_t peer_ident;
	struct {
		int ret, calls;
		struct tchan *next;
	} acc;
	struct tchan tch[6];
};

extern struct env *g;
extern struct net_buf_pool *rx_pool_p, *sdu_pool_p;
extern const struct bt_l2cap_chan_ops tchan_ops, tchan_ops_noalloc;

/* Accepts with g->acc.next, or refuses with g->acc.ret (or -ENOMEM). */
int accept_cb(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan);
int env_setup(void **state);
int env_teardown(void **state);
/* bt_enable and a central link with handle LINK. */
void env_link(void);
/* Lets the host run, then synchronises with it (threads backend). */
void run(void);
/* Collects what the host sent into g->out (appending), acknowledges it. */
int take(void);
/* take() until nothing more comes. */
int take_all(void);
/* Forgets the PDUs collected so far (a PDU still arriving in fragments is
 * followed to its end, outside out[]). */
void out_reset(void);
/* The index of the n-th signalling PDU with this code in g->out, or -1. */
int find_sig(uint8_t code, int n);
/* Count of PDUs on cid in g->out. */
int count_cid(uint16_t cid);

/* The peer sends. */
void l2cap_in(uint16_t cid, const uint8_t *payload, uint16_t len);
uint8_t sig_in(uint8_t code, const uint8_t *d, uint16_t len);
void sig_in_ident(uint8_t code, uint8_t ident, const uint8_t *d, uint16_t len);
/* An SDU in K-frames of at most mps (the first carries the length). */
void sdu_in(uint16_t cid, const uint8_t *data, uint16_t len, uint16_t mps);
/* LE Credit Based Connection Request; returns the response's index. */
int peer_conn_req(uint16_t psm, uint16_t scid, uint16_t mtu, uint16_t mps, uint16_t credits);
uint16_t rsp_result(int idx);
void peer_credits(uint16_t peer_cid, uint16_t credits);

/* A channel the peer opens to server psm (accepted with tc). */
void open_from_peer(struct tchan *tc, uint16_t psm, uint16_t scid, uint16_t mtu, uint16_t mps, uint16_t credits);
/* A channel we open, answered by the peer with these parameters. */
void open_to_peer(struct tchan *tc, uint16_t psm, uint16_t dcid, uint16_t mtu, uint16_t mps, uint16_t credits);
/* Finishes our disconnection of tc: the peer's response. */
void peer_disconn_rsp(struct tchan *tc);

struct net_buf *sdu_alloc(const uint8_t *data, uint16_t len);
void fill(uint8_t *p, size_t n, uint8_t seed);
void assert_pools_full(void);
/* State read under the host lock. */
bt_l2cap_chan_state_t chan_state(struct tchan *tc);

#endif
