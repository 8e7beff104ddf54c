/* Real-time mode: simulated time paced to a wall clock, with outside input
 * (hosts in other processes) taken while the scheduler sleeps. The default,
 * virtual time, never comes here. */
#include <time.h>

#include "sim_internal.h"

/* Behind the wall clock, input is still looked at this often (wall time). */
#define RT_POLL_US 1000u

static uint64_t monotonic_us(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int plain_sleep(void *ctx, uint64_t timeout_us)
{
	(void)ctx;
	if (timeout_us == ZBLE_TIME_NEVER) {
		return -EDEADLK; /* nothing will ever happen */
	}
	struct timespec ts = { .tv_sec = (time_t)(timeout_us / 1000000u),
			       .tv_nsec = (long)(timeout_us % 1000000u) * 1000 };
	nanosleep(&ts, NULL);
	return 0;
}

static uint64_t wall(const struct zble_sim *sim)
{
	uint64_t w = sim->rt.clock_us(sim->rt.ctx);
	return w > sim->rt_origin ? w - sim->rt_origin : 0;
}

uint64_t zble_sim_wall_us(const struct zble_sim *sim)
{
	return sim->realtime ? wall(sim) : sim->now_us;
}

void zble_sim_init_realtime(struct zble_sim *sim, uint64_t seed, const struct zble_sim_realtime *rt)
{
	zble_sim_init(sim, seed);
	if (rt) {
		sim->rt = *rt;
	}
	if (!sim->rt.clock_us) {
		sim->rt.clock_us = monotonic_us;
	}
	if (!sim->rt.wait) {
		sim->rt.wait = plain_sleep;
	}
	sim->realtime = true;
	sim->rt_origin = sim->rt.clock_us(sim->rt.ctx);
}

static int take_input(struct zble_sim *sim)
{
	sim->rt_stats.inputs++;
	int rc = sim->rt.input ? sim->rt.input(sim->rt.ctx) : 0;
	return rc < 0 ? rc : 1;
}

int sim_rt_pace(struct zble_sim *sim, uint64_t target)
{
	for (;;) {
		uint64_t w = wall(sim);
		if (w >= target) {
			/* Due (or late): run it now; look at input now and then. */
			if (target != ZBLE_TIME_NEVER && w - target > sim->rt_stats.max_lag_us) {
				sim->rt_stats.max_lag_us = w - target;
			}
			if (w - sim->rt_last_poll < RT_POLL_US) {
				return 0;
			}
			sim->rt_last_poll = w;
			int rc = sim->rt.wait(sim->rt.ctx, 0);
			return rc > 0 ? take_input(sim) : rc;
		}
		/* Nothing is due before target: simulated time follows the wall. */
		if (w > sim->now_us) {
			sim->now_us = w;
		}
		sim->rt_stats.sleeps++;
		int rc = sim->rt.wait(sim->rt.ctx, target == ZBLE_TIME_NEVER ? ZBLE_TIME_NEVER : target - w);
		if (rc < 0) {
			return rc;
		}
		w = wall(sim);
		sim->rt_last_poll = w;
		if (rc > 0) {
			uint64_t t = w < target ? w : target;
			if (t > sim->now_us) {
				sim->now_us = t;
			}
			return take_input(sim);
		}
	}
}

void zble_sim_device_reset(struct zble_sim_device *dev)
{
	struct zble_sim_ctrl *c = &dev->ctrl;
	ctrl_reset(c);
	c->cmd_count = 0;
	sim_timer_cancel(&c->cmd_timer);
}
