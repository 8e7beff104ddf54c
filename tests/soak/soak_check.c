/* After every cycle both hosts and both controllers must be back where
 * they started: every net_buf pool at its free count of the start, every
 * connection object free (reference count zero, disconnected, no queued
 * data, no L2CAP channel, no ATT request or indication, no GATT client
 * procedure or subscription), the command flow idle with its credit back,
 * every controller ACL buffer credited back, no prepared write held, no
 * link left in either controller. Each difference is printed. */
#include <stdio.h>

#include "soak.h"

#define NPOOLS 6

struct host_base {
	uint32_t free[NPOOLS];
	uint16_t acl_credits;
	uint8_t ncmd;
};

static struct host_base base[2]; /* read only after the start: [0] central, [1] peripheral */

static struct net_buf_pool *pool(struct zble_host *h, int i)
{
	struct net_buf_pool *pools[NPOOLS] = { &h->cmd_pool, &h->evt_pool, &h->disc_pool,
					       &h->acl_pool, &h->tx_pool,  &h->pdu_pool };
	return pools[i];
}

static uint32_t pool_free(struct net_buf_pool *p)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(p, &st);
	return st.free;
}

static void take(struct host_base *b, struct zble_host *h)
{
	for (int i = 0; i < NPOOLS; i++) {
		b->free[i] = pool_free(pool(h, i));
	}
	b->acl_credits = h->acl_credits;
	b->ncmd = h->ncmd;
}

void soak_baseline_take(void)
{
	take(&base[0], &soak->c->host);
	take(&base[1], &soak->p->host);
}

static unsigned bad;

static void differs(const char *who, const char *what, long got, long want)
{
	fprintf(stderr, "soak: cycle %u (seed %llu): %s: %s is %ld, was %ld at the start\n", soak->cycle,
		(unsigned long long)soak->seed, who, what, got, want);
	bad++;
}

#define SAME(who, what, got, want)                                \
	do {                                                      \
		long g_ = (long)(got), w_ = (long)(want);         \
		if (g_ != w_) {                                   \
			differs(who, what, g_, w_);               \
		}                                                 \
	} while (0)

static void check_conn(const char *who, int i, struct bt_conn *c)
{
	char what[64];
#define CONN_SAME(field, got, want)                                         \
	do {                                                                \
		snprintf(what, sizeof(what), "conns[%d].%s", i, field);     \
		SAME(who, what, got, want);                                 \
	} while (0)
	CONN_SAME("ref", atomic_get(&c->ref), 0);
	CONN_SAME("state", c->state, BT_CONN_STATE_DISCONNECTED);
	CONN_SAME("tx_queue (empty)", sys_slist_is_empty(&c->tx_queue), 1);
	CONN_SAME("in_flight_count", c->in_flight_count, 0);
	CONN_SAME("rx_pdu (none)", c->rx_pdu == NULL, 1);
	CONN_SAME("l2cap.chans (empty)", sys_slist_is_empty(&c->l2cap.chans), 1);
	CONN_SAME("att.up", c->att.up, 0);
	CONN_SAME("att.req_op", c->att.req_op, 0);
	CONN_SAME("att.ind_out", c->att.ind_out, 0);
	CONN_SAME("att.ind_queued", c->att.ind_queued, 0);
	CONN_SAME("att.tx_count", c->att.tx_count, 0);
	CONN_SAME("att.rsp_buf (none)", c->att.rsp_buf == NULL, 1);
	CONN_SAME("gattc.count", c->gattc.count, 0);
	CONN_SAME("gattc.subscriptions (empty)", sys_slist_is_empty(&c->gattc.subscriptions), 1);
#undef CONN_SAME
}

static void check_host(const char *who, const struct host_base *b, struct zble_host *h)
{
	static const char *const pool_names[NPOOLS] = { "cmd_pool free", "evt_pool free", "disc_pool free",
							"acl_pool free", "tx_pool free",  "pdu_pool free" };
	for (int i = 0; i < NPOOLS; i++) {
		SAME(who, pool_names[i], pool_free(pool(h, i)), b->free[i]);
	}
	SAME(who, "acl_credits", h->acl_credits, b->acl_credits);
	SAME(who, "ncmd", h->ncmd, b->ncmd);
	SAME(who, "sent_cmd (none)", h->sent_cmd == NULL, 1);
	SAME(who, "cmd_queue (empty)", k_fifo_is_empty(&h->cmd_queue), 1);
	SAME(who, "gatts.prep_count", h->gatts.prep_count, 0);
	int slots = 0;
	for (int i = 0; i < ZBLE_GATT_NOTIFY_SLOTS; i++) {
		slots += h->gatts.notify_slots[i].used;
	}
	SAME(who, "gatts notify slots used", slots, 0);
	/* An early disconnect may be kept, but only within its bound (issue 9
	 * fault 3): one that would outlive it is a leak. */
	int early = 0;
	int64_t now = k_uptime_get();
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		early += h->early_disc[i].handle != 0xffff && h->early_disc[i].until > now + ZBLE_EARLY_DISCONNECT_MS;
		check_conn(who, i, &h->conns[i]);
	}
	SAME(who, "early disconnects kept past their bound", early, 0);
}

static void check_ctrl(struct zble_sim_device *d)
{
	int links = 0;
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		links += d->ctrl.conn_link[i] != 0xff;
	}
	SAME(d->name, "controller links", links, 0);
}

unsigned soak_check_released(void)
{
	bad = 0;
	check_host("central", &base[0], &soak->c->host);
	check_host("peripheral", &base[1], &soak->p->host);
	check_ctrl(soak->c);
	check_ctrl(soak->p);
	int links = 0;
	for (int i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		links += soak->sim.links[i].used;
	}
	SAME("sim", "radio links", links, 0);
	return bad;
}
