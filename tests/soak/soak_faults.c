/* The soak's faults: one class per cycle, drawn from the seeded RNG, with
 * the point it strikes (a step of the client's chain plus a delay, so
 * that it lands mid-discovery, mid-write, ...) and its size. */
#include <stdio.h>
#include <stdlib.h>

#include <zephyr/bluetooth/hci.h>

#include "soak.h"

/* Losses of controller state that no host can observe, off by default
 * (ZBLE_SOAK_ALL_FAULTS=1 in the environment turns them on without a
 * rebuild). The host-side bounds of issue 9 are in and covered by the
 * scripted-controller tests (a lost Disconnection Complete for the host's
 * own Disconnect is retried then released; an unknown-handle disconnect is
 * kept only briefly while a connection is being created). What remains
 * with these on is beyond a host's reach:
 * - SOAK_DROP_DISCONN_COMPLETE on the side that did not disconnect: the
 *   controller ended the link and never says so, and HCI has no way to
 *   ask it (the link stays CONNECTED in that host);
 * - SOAK_DROP_CONN_COMPLETE on the central: the link exists in both
 *   controllers but the host never learned its handle, so it cannot end
 *   it (LE Create Connection Cancel is refused as too late). */
#ifndef SOAK_DROP_DISCONN_COMPLETE
#define SOAK_DROP_DISCONN_COMPLETE 0
#endif

#ifndef SOAK_DROP_CONN_COMPLETE
#define SOAK_DROP_CONN_COMPLETE 0
#endif

struct drop_kind {
	uint8_t code;
	uint16_t detail;
	bool on;
};

/* The events a controller may lose (Vol 4 Part E 7.7), one per draw. */
static const struct drop_kind drop_kinds[] = {
	{ 0x13, 0, true },      /* Number Of Completed Packets */
	{ 0x3e, 0x07, true },   /* LE Data Length Change */
	{ 0x3e, 0x0c, true },   /* LE PHY Update Complete */
	{ 0x3e, 0x03, true },   /* LE Connection Update Complete */
	{ 0x05, 0, SOAK_DROP_DISCONN_COMPLETE }, /* Disconnection Complete */
	{ 0x0e, 0, true },      /* a Command Complete */
	{ 0x0f, 0, true },      /* a Command Status */
	{ 0x3e, 0x0a, SOAK_DROP_CONN_COMPLETE }, /* LE Enhanced Connection Complete */
};

static bool all_faults(void)
{
	const char *v = getenv("ZBLE_SOAK_ALL_FAULTS");
	return v && *v == '1';
}

static const char *const names[F_COUNT] = {
	"none", "loss", "crc", "delay", "hold", "disconnect-central", "disconnect-peripheral",
	"vanish", "link-lost", "drop-event", "collide", "hw-error",
};

const char *soak_fault_name(enum soak_fault f)
{
	return f < F_COUNT ? names[f] : "?";
}

bool soak_fault_may_fail(enum soak_fault f)
{
	/* Loss, CRC errors, delays and held completions slow a link down;
	 * they must never make a cycle fail. */
	return f != F_NONE && f != F_LOSS && f != F_CRC && f != F_DELAY && f != F_HOLD;
}

/* splitmix64: small, and the same sequence on every platform. */
uint32_t soak_rand(void)
{
	uint64_t z = (soak->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t between(uint32_t lo, uint32_t hi)
{
	return lo + soak_rand() % (hi - lo + 1);
}


void soak_plan_draw(struct soak_plan *plan)
{
	*plan = (struct soak_plan){ 0 };
	/* A fifth of the cycles run clean; the rest one fault each. */
	if (soak_rand() % 5 == 0) {
		plan->fault = F_NONE;
	} else {
		plan->fault = (enum soak_fault)between(F_LOSS, F_COUNT - 1);
	}
	plan->on_central = soak_rand() & 1;
	plan->at_step = (enum soak_step)between(STEP_CONNECTING, STEP_WAIT_NOTIFY);
	plan->after_us = between(0, 15000); /* within one connection interval */
	/* Short values and ones that need Read Blob / Prepare Write. */
	plan->read_len = (uint16_t)between(1, SOAK_VALUE_MAX);
	plan->write_len = (uint16_t)between(1, SOAK_VALUE_MAX);
	/* Bursts beyond the controller's 4 ACL buffers queue in the host. */
	plan->notify_count = (uint8_t)between(1, 6);
	if (plan->fault != F_NONE && soak_rand() % 4 == 0) {
		plan->bg_loss = between(0, 20) / 100.0;
		plan->bg_delay_us = soak_rand() % 2 ? between(100, 5000) : 0;
	}
	switch (plan->fault) {
	case F_LOSS:
	case F_CRC:
		plan->at_step = STEP_IDLE; /* the whole cycle */
		plan->p = between(1, 40) / 100.0;
		break;
	case F_DELAY:
		plan->at_step = STEP_IDLE;
		plan->us = between(100, 30000);
		break;
	case F_HOLD:
		plan->us = between(5000, 800000);
		break;
	case F_VANISH:
		plan->us = between(1000000, 3000000); /* beyond the supervision timeout (500 ms) */
		break;
	case F_DROP_EVENT: {
		const struct drop_kind *k;
		do {
			k = &drop_kinds[soak_rand() % (sizeof(drop_kinds) / sizeof(drop_kinds[0]))];
		} while (!k->on && !all_faults());
		plan->drop_code = k->code;
		plan->drop_detail = k->detail;
		plan->drop_count = (uint8_t)between(1, 3);
		break;
	}
	default:
		break;
	}
}

static void disconnect(struct zble_sim_device *d, struct bt_conn *conn)
{
	if (!conn) {
		return; /* that side has no link (yet, or any more) */
	}
	zble_sim_device_select(d);
	int err = bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	/* A link on its way down already is the only acceptable refusal. */
	if (err && err != -EALREADY && err != -ENOTCONN) {
		fprintf(stderr, "soak: cycle %u: bt_conn_disconnect from %s: %d\n", soak->cycle, d->name, err);
		if (d == soak->c) {
			soak_client_fail(err);
		} else if (!soak->p_err) {
			soak->p_err = err;
		}
	}
}

void soak_fault_fire(void)
{
	const struct soak_plan *pl = &soak->plan;
	struct zble_sim_device *d = pl->on_central ? soak->c : soak->p;
	switch (pl->fault) {
	case F_NONE:
		break;
	case F_LOSS:
		zble_sim_set_loss(&soak->sim, soak->c, soak->p, pl->p);
		break;
	case F_CRC:
		zble_sim_set_crc_errors(&soak->sim, soak->c, soak->p, pl->p);
		break;
	case F_DELAY:
		zble_sim_fault_event_delay(d, pl->us);
		break;
	case F_HOLD:
		zble_sim_fault_hold_completions(d, pl->us);
		break;
	case F_DISC_C:
		disconnect(soak->c, soak->c_conn);
		break;
	case F_DISC_P:
		disconnect(soak->p, soak->p_conn);
		break;
	case F_VANISH:
		zble_sim_device_set_radio(d, false);
		break;
	case F_LINK_LOST:
		zble_sim_set_loss(&soak->sim, soak->c, soak->p, 1.0);
		break;
	case F_DROP_EVENT:
		zble_sim_fault_drop_next_event(d, pl->drop_code, pl->drop_detail, pl->drop_count);
		break;
	case F_HW_ERROR:
		/* Today the host only counts it; once it recovers (issue 9
		 * fault 7) the cycle fails with the links it reports lost, and
		 * everything must still come back. */
		zble_sim_fault_hw_error(d, (uint8_t)(1 + soak_rand() % 0xfe));
		break;
	case F_COLLIDE:
		/* Both Disconnect commands go out before either side hears of
		 * the other's (each call only waits for its Command Status). */
		disconnect(soak->c, soak->c_conn);
		disconnect(soak->p, soak->p_conn);
		break;
	case F_COUNT:
		break;
	}
}

void soak_background_faults(void)
{
	const struct soak_plan *pl = &soak->plan;
	if (pl->bg_loss > 0) {
		zble_sim_set_loss(&soak->sim, soak->c, soak->p, pl->bg_loss);
	}
	if (pl->bg_delay_us) {
		zble_sim_fault_event_delay(pl->on_central ? soak->p : soak->c, pl->bg_delay_us);
	}
}

void soak_faults_clear(void)
{
	zble_sim_set_loss(&soak->sim, soak->c, soak->p, 0);
	zble_sim_set_crc_errors(&soak->sim, soak->c, soak->p, 0);
	zble_sim_device_set_radio(soak->c, true);
	zble_sim_device_set_radio(soak->p, true);
	zble_sim_fault_clear(soak->c);
	zble_sim_fault_clear(soak->p);
}
