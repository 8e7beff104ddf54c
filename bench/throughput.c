/* ACL throughput between two zble hosts in zble-sim: the central sends
 * L2CAP PDUs (zble_acl_send) as fast as the pool and the controller's
 * credits allow for 10 s of virtual time; the peripheral counts what
 * arrives. Printed beside the link layer's theoretical capacity on the
 * link's PHY (2M once the central asked) with the data length in use
 * (reference-hosts.md 6.4): continuous (the event never ends) and with
 * this interval's event boundaries (the sim ends an event when the next
 * exchange would not fit before interval - T_IFS). ACL level; GATT is
 * gatt_throughput. Usage: throughput [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/sys/byteorder.h>

#include "sim_pair.h"
#include "zble/sim.h"

struct bench {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct k_sem connected, progress;
	struct bt_conn *conn;
	uint16_t payload;
	uint64_t rx_bytes, rx_pdus, done, failed;
	bool counting;
};

static struct bench *cur; /* the callbacks' context (one run at a time) */

static double real_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	if (!err && zble_host_current() == &cur->c->host) {
		cur->conn = bt_conn_ref(conn);
		k_sem_give(&cur->connected);
	}
}

static void p_ready(int err)
{
	if (!err) {
		bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0);
	}
}

static void p_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	(void)conn;
	if (cur->counting) {
		cur->rx_bytes += pdu->len - 4u;
		cur->rx_pdus++;
	}
}

static void tx_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	if (err) {
		cur->failed++;
	} else {
		cur->done++;
	}
	k_sem_give(&cur->progress);
}

static void fill(void)
{
	for (;;) {
		struct net_buf *pdu = zble_acl_alloc(&cur->c->host, K_NO_WAIT);
		if (!pdu) {
			return;
		}
		net_buf_add_le16(pdu, cur->payload);
		net_buf_add_le16(pdu, 0x0040);
		memset(net_buf_add(pdu, cur->payload), 0x5a, cur->payload);
		if (zble_acl_send(cur->conn, pdu, tx_done, NULL)) {
			return;
		}
	}
}

/* LL payload sizes of one PDU of p L2CAP payload bytes (fragments of 251). */
static unsigned fragments(uint16_t p, uint16_t sizes[4])
{
	unsigned n = 0, left = p + 4u;
	while (left) {
		unsigned s = left > 251 ? 251 : left;
		sizes[n++] = (uint16_t)s;
		left -= s;
	}
	return n;
}

static uint32_t exchange_us(uint8_t phy, uint16_t ll)
{
	return zble_sim_air_time_phy_us(phy, ll) + 150 + zble_sim_air_time_phy_us(phy, 0) + 150;
}

/* kbit/s of L2CAP payload: continuous, and within events of interval us. */
static void capacity(uint8_t phy, uint16_t p, uint32_t interval_us, double *cont, double *evt)
{
	uint16_t sz[4];
	unsigned n = fragments(p, sz);
	uint32_t cycle = 0;
	for (unsigned i = 0; i < n; i++) {
		cycle += exchange_us(phy, sz[i]);
	}
	*cont = (double)p * 8 / cycle * 1e3;
	/* One event: exchanges in PDU order while they fit; the pattern
	 * repeats every event. Payload credited per fragment byte. */
	uint32_t budget = interval_us - 150, t = 0;
	double bytes = 0;
	for (unsigned i = 0;; i = (i + 1) % n) {
		if (t + exchange_us(phy, sz[i]) > budget) {
			break;
		}
		t += exchange_us(phy, sz[i]);
		bytes += (double)sz[i] * p / (p + 4.0);
	}
	*evt = bytes * 8 / interval_us * 1e3;
}

static int run(uint16_t interval, uint16_t payload, unsigned seconds)
{
	struct bench *b = calloc(1, sizeof(*b));
	if (!b) {
		return -1;
	}
	cur = b;
	b->payload = payload;
	b->cb.connected = on_connected;
	k_sem_init(&b->connected, 0, 1);
	k_sem_init(&b->progress, 0, 100000);
	if (bench_pair_connect(&b->sim, &b->p, &b->c, 31337, seconds + 60, 0, &b->cb, p_ready, interval, &b->connected)) {
		return -1;
	}
	zble_host_set_l2cap_recv(&b->p->host, p_recv);
	k_msleep(500); /* data length update (the host asks for 251) */
	uint16_t tx_octets = 0;
	for (unsigned i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		if (b->sim.links[i].used) {
			tx_octets = b->sim.links[i].max_tx_octets[0];
		}
	}

	b->counting = true;
	uint64_t t0 = zble_sim_now_us(&b->sim), end = t0 + seconds * 1000000ull;
	double r0 = real_s();
	while (zble_sim_now_us(&b->sim) < end) {
		fill();
		uint64_t left_ms = (end - zble_sim_now_us(&b->sim) + 999) / 1000;
		(void)k_sem_take(&b->progress, K_MSEC(left_ms < 100 ? left_ms : 100));
	}
	b->counting = false;
	double real = real_s() - r0;
	double virt = (double)(zble_sim_now_us(&b->sim) - t0) / 1e6;
	double kbps = (double)b->rx_bytes * 8 / virt / 1e3;
	double cont, evt;
	uint8_t phy = bench_link_phy(b->conn);
	capacity(phy, payload, interval * 1250u, &cont, &evt);
	printf("throughput: %s, LL data length %u, interval %5.1f ms, L2CAP payload %u (PDU %u, %s): %6.1f kbit/s "
	       "(%llu PDUs in %.0f s) | capacity %.1f kbit/s continuous, %.1f with events of this interval (%.1f%%) | "
	       "retransmissions %u, %.3f s real\n",
	       phy == 2 ? "2M" : phy == 3 ? "Coded" : "1M", tx_octets, interval * 1.25, payload, payload + 4u,
	       payload + 4u > 251 ? "2 fragments" : "1 fragment",
	       kbps, (unsigned long long)b->rx_pdus, virt, cont, evt, 100 * kbps / evt,
	       b->c->ctrl.stats.retransmissions, real);
	bt_conn_unref(b->conn);
	zble_sim_deinit(&b->sim);
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
	static const uint16_t intervals[] = { 6, 40 };   /* 7.5 ms, 50 ms */
	static const uint16_t payloads[] = { 247, 251 }; /* one LL packet per PDU; the pool's largest */
	for (unsigned i = 0; i < 2; i++) {
		for (unsigned j = 0; j < 2; j++) {
			if (run(intervals[i], payloads[j], seconds)) {
				fprintf(stderr, "throughput: set-up failed\n");
				return 1;
			}
		}
	}
	return 0;
}
