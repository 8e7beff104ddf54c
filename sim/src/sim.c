/* The simulator core: devices, the deterministic scheduler of timed radio
 * and controller events, and the kernel port that runs the whole simulation
 * while one device waits. */
#include <math.h>
#include <stdio.h>

#include "sim_internal.h"

/* ---- deterministic randomness: splitmix64 seeds xoshiro256** ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sim_rng_seed(struct zble_sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		r->s[i] = splitmix64(&seed);
	}
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct zble_sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t sim_rng_below(struct zble_sim_rng *r, uint32_t n)
{
	return n ? (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0;
}

/* ---- timers: the event queue is the set of armed timer slots; the next
 * event is the smallest (time, arming order) ---- */

void sim_timer_arm(struct zble_sim *sim, struct zble_sim_timer *t, uint64_t at)
{
	t->t = at < sim->now_us ? sim->now_us : at;
	t->seq = ++sim->seq;
	t->armed = true;
}

void sim_timer_cancel(struct zble_sim_timer *t)
{
	t->armed = false;
}

static bool timer_before(const struct zble_sim_timer *a, const struct zble_sim_timer *b)
{
	return !b || a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

enum { SRC_NONE, SRC_CMD, SRC_ADV, SRC_LINK, SRC_FAULT, SRC_POP, SRC_SCAN, SRC_SET };

static const struct zble_sim_timer *next_timer(struct zble_sim *sim, int *src, void **obj, int *idx)
{
	const struct zble_sim_timer *best = NULL;
	*src = SRC_NONE;
	for (unsigned i = 0; i < sim->ndev; i++) {
		struct zble_sim_device *d = &sim->devices[i];
		if (!d->used || !d->present) {
			continue;
		}
		if (d->ctrl.cmd_timer.armed && timer_before(&d->ctrl.cmd_timer, best)) {
			best = &d->ctrl.cmd_timer;
			*src = SRC_CMD;
			*obj = d;
		}
		if (d->ctrl.adv.timer.armed && timer_before(&d->ctrl.adv.timer, best)) {
			best = &d->ctrl.adv.timer;
			*src = SRC_ADV;
			*obj = d;
		}
		if (d->ctrl.faults.timer.armed && timer_before(&d->ctrl.faults.timer, best)) {
			best = &d->ctrl.faults.timer;
			*src = SRC_FAULT;
			*obj = d;
		}
		if (d->ctrl.scan.timer.armed && timer_before(&d->ctrl.scan.timer, best)) {
			best = &d->ctrl.scan.timer;
			*src = SRC_SCAN;
			*obj = d;
		}
		for (int k = 0; k < ZBLE_SIM_ADV_SETS; k++) {
			const struct zble_sim_timer *t = &d->ctrl.sets[k].timer;
			if (t->armed && timer_before(t, best)) {
				best = t;
				*src = SRC_SET;
				*obj = d;
				*idx = k;
			}
		}
	}
	for (struct zble_sim_population *p = sim->pops; p; p = p->next) {
		if (p->timer.armed && timer_before(&p->timer, best)) {
			best = &p->timer;
			*src = SRC_POP;
			*obj = p;
		}
	}
	for (unsigned i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		struct zble_sim_link *l = &sim->links[i];
		if (l->used && l->timer.armed && timer_before(&l->timer, best)) {
			best = &l->timer;
			*src = SRC_LINK;
			*obj = l;
		}
	}
	return best;
}

static void fire(struct zble_sim *sim, int src, void *obj, int idx)
{
	sim->stats.steps++;
	switch (src) {
	case SRC_CMD: {
		struct zble_sim_device *d = obj;
		d->ctrl.cmd_timer.armed = false;
		ctrl_cmd_timer(&d->ctrl);
		break;
	}
	case SRC_ADV: {
		struct zble_sim_device *d = obj;
		d->ctrl.adv.timer.armed = false;
		radio_adv_timer(&d->ctrl);
		break;
	}
	case SRC_LINK: {
		struct zble_sim_link *l = obj;
		l->timer.armed = false;
		radio_link_timer(sim, l);
		break;
	}
	case SRC_FAULT: {
		struct zble_sim_device *d = obj;
		d->ctrl.faults.timer.armed = false;
		faults_timer(&d->ctrl);
		break;
	}
	case SRC_POP: {
		struct zble_sim_population *p = obj;
		p->timer.armed = false;
		population_timer(p);
		break;
	}
	case SRC_SCAN: {
		struct zble_sim_device *d = obj;
		d->ctrl.scan.timer.armed = false;
		radio_scan_timer(&d->ctrl);
		break;
	}
	case SRC_SET: {
		struct zble_sim_device *d = obj;
		d->ctrl.sets[idx].timer.armed = false;
		adv_set_timer(&d->ctrl, &d->ctrl.sets[idx]);
		break;
	}
	default:
		break;
	}
}

/* ---- kernels ---- */

static bool kernel_runs(const struct zble_sim_device *d, const struct zble_sim_device *waiter)
{
	return d->used && d->present && d != waiter && !d->in_wait;
}

/* Runs every kernel that is scheduled or due, until all are idle at the
 * current instant (bounded: a livelocked device cannot stop time). */
static void run_kernels(struct zble_sim *sim, struct zble_sim_device *waiter)
{
	struct zble_kernel *prev = zble_port_current_kernel();
	for (int round = 0; round < 100000; round++) {
		bool any = false;
		for (unsigned i = 0; i < sim->ndev; i++) {
			struct zble_sim_device *d = &sim->devices[i];
			if (!kernel_runs(d, waiter) || !(d->runnable || d->kdeadline <= sim->now_us)) {
				continue;
			}
			d->runnable = false;
			zble_port_set_current_kernel(&d->kernel);
			d->kdeadline = zble_kernel_process(&d->kernel);
			sim->stats.kernel_runs++;
			ctrl_flush(&d->ctrl);
			any = true;
		}
		if (!any) {
			break;
		}
	}
	zble_port_set_current_kernel(prev);
}

static uint64_t next_kernel_deadline(struct zble_sim *sim, struct zble_sim_device *waiter)
{
	uint64_t next = ZBLE_TIME_NEVER;
	for (unsigned i = 0; i < sim->ndev; i++) {
		struct zble_sim_device *d = &sim->devices[i];
		if (kernel_runs(d, waiter) && d->kdeadline < next) {
			next = d->kdeadline;
		}
	}
	return next;
}

/* The simulation loop. With a waiter: returns 0 when it is scheduled or at
 * deadline; -EDEADLK when nothing can ever happen and there is no deadline.
 * Without: runs until deadline (events at deadline included). */
static int sim_loop(struct zble_sim *sim, struct zble_sim_device *waiter, uint64_t deadline)
{
	for (;;) {
		run_kernels(sim, waiter);
		if (waiter && waiter->runnable) {
			waiter->runnable = false;
			return 0;
		}
		int src, idx = 0;
		void *obj = NULL;
		const struct zble_sim_timer *t = next_timer(sim, &src, &obj, &idx);
		uint64_t tnext = t ? t->t : ZBLE_TIME_NEVER;
		uint64_t knext = next_kernel_deadline(sim, waiter);
		uint64_t next = tnext < knext ? tnext : knext;
		if (sim->realtime) {
			uint64_t target = next < deadline ? next : deadline;
			int rc = sim_rt_pace(sim, target < sim->stop_at ? target : sim->stop_at);
			if (rc < 0) {
				return rc;
			}
			if (rc > 0) {
				continue; /* outside input: run the kernels, look again */
			}
		}
		if (next == ZBLE_TIME_NEVER && deadline == ZBLE_TIME_NEVER) {
			return -EDEADLK;
		}
		if (next > deadline) {
			if (deadline > sim->stop_at) {
				sim->now_us = sim->stop_at;
				return -ETIMEDOUT;
			}
			if (deadline > sim->now_us) {
				sim->now_us = deadline;
			}
			return 0;
		}
		if (next > sim->stop_at) {
			sim->now_us = sim->stop_at;
			return -ETIMEDOUT;
		}
		if (next > sim->now_us) {
			sim->now_us = next;
		}
		if (t && tnext <= knext) {
			fire(sim, src, obj, idx);
		}
	}
}

/* ---- the kernel port: ctx is the device ---- */

static uint64_t port_now(void *ctx)
{
	return ((struct zble_sim_device *)ctx)->sim->now_us;
}

static void port_schedule(void *ctx)
{
	((struct zble_sim_device *)ctx)->runnable = true;
}

static uint32_t port_irq_lock(void *ctx)
{
	(void)ctx;
	return 0;
}

static void port_irq_unlock(void *ctx, uint32_t key)
{
	(void)ctx;
	(void)key;
}

static int port_wait(void *ctx, uint64_t deadline_us)
{
	struct zble_sim_device *dev = ctx;
	struct zble_sim *sim = dev->sim;
	ctrl_flush(&dev->ctrl);
	if (dev->runnable) {
		dev->runnable = false;
		return 0;
	}
	if (dev->in_wait) {
		return -EDEADLK; /* cannot happen: the kernel refuses nested waits */
	}
	struct zble_sim_device *prev_waiter = sim->waiter;
	struct zble_kernel *prev_kernel = zble_port_current_kernel();
	dev->in_wait = true;
	sim->waiter = dev;
	int rc = sim_loop(sim, dev, deadline_us);
	sim->waiter = prev_waiter;
	dev->in_wait = false;
	/* Its kernel ran outside the loop meanwhile: re-read its deadline at
	 * the next opportunity. */
	dev->kdeadline = 0;
	zble_port_set_current_kernel(prev_kernel);
	return rc;
}

const struct zble_port zble_sim_port = {
	.now_us = port_now,
	.schedule = port_schedule,
	.irq_lock = port_irq_lock,
	.irq_unlock = port_irq_unlock,
	.wait = port_wait,
};

/* ---- public API ---- */

void zble_sim_init(struct zble_sim *sim, uint64_t seed)
{
	memset(sim, 0, sizeof(*sim));
	sim->seed = seed;
	sim->stop_at = ZBLE_TIME_NEVER;
	sim_rng_seed(&sim->rng, seed);
}

void zble_sim_deinit(struct zble_sim *sim)
{
	struct zble_kernel *prev = zble_port_current_kernel();
	for (unsigned i = 0; i < sim->ndev; i++) {
		struct zble_sim_device *d = &sim->devices[i];
		if (!d->used) {
			continue;
		}
		zble_port_set_current_kernel(&d->kernel);
		if (d->has_host) {
			zble_host_deinit(&d->host);
			d->has_host = false;
		}
		zble_kernel_deinit(&d->kernel);
		if (d->snooping) {
			zble_btsnoop_file_close(&d->snoop);
			d->snooping = false;
		}
		d->used = false;
	}
	bool prev_gone = false;
	for (unsigned i = 0; i < sim->ndev; i++) {
		if (prev == &sim->devices[i].kernel) {
			prev_gone = true;
		}
	}
	zble_port_set_current_kernel(prev_gone ? NULL : prev);
}

struct zble_sim_device *zble_sim_add_device(struct zble_sim *sim, const struct zble_sim_device_config *cfg)
{
	if (sim->ndev >= ZBLE_SIM_MAX_DEVICES) {
		return NULL;
	}
	static const struct zble_sim_device_config defaults;
	if (!cfg) {
		cfg = &defaults;
	}
	struct zble_sim_device *d = &sim->devices[sim->ndev];
	memset(d, 0, sizeof(*d));
	d->sim = sim;
	d->index = sim->ndev++;
	d->used = true;
	d->present = true;
	d->radio_on = true;
	if (cfg->name) {
		snprintf(d->name, sizeof(d->name), "%s", cfg->name);
	} else {
		snprintf(d->name, sizeof(d->name), "dev%u", d->index);
	}
	d->tx_power = cfg->tx_power;
	if (cfg->x == 0 && cfg->y == 0) {
		d->x = d->index;
	} else {
		d->x = cfg->x;
		d->y = cfg->y;
	}
	ctrl_init(d, cfg);
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_kernel_init(&d->kernel, &zble_sim_port, d);
	zble_port_set_current_kernel(prev);
	d->kdeadline = ZBLE_TIME_NEVER;
	return d;
}

int zble_sim_device_add_host(struct zble_sim_device *dev)
{
	if (dev->has_host) {
		return -EALREADY;
	}
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(&dev->kernel);
	int err = zble_host_init(&dev->host, &dev->kernel, &dev->ctrl.drv);
	zble_port_set_current_kernel(prev);
	if (!err) {
		dev->has_host = true;
	}
	return err;
}

struct zble_hci_driver *zble_sim_device_driver(struct zble_sim_device *dev)
{
	return &dev->ctrl.drv;
}

void zble_sim_device_select(struct zble_sim_device *dev)
{
	zble_port_set_current_kernel(&dev->kernel);
}

int zble_sim_device_capture(struct zble_sim_device *dev, const char *path)
{
	if (dev->snooping) {
		zble_btsnoop_file_close(&dev->snoop);
		dev->snooping = false;
	}
	int err = zble_btsnoop_file_open(&dev->snoop, path);
	if (!err) {
		dev->snooping = true;
	}
	return err;
}

void zble_sim_device_set_position(struct zble_sim_device *dev, double x, double y)
{
	dev->x = x;
	dev->y = y;
}

void zble_sim_device_remove(struct zble_sim_device *dev)
{
	dev->present = false;
	dev->radio_on = false;
	sim_timer_cancel(&dev->ctrl.cmd_timer);
	sim_timer_cancel(&dev->ctrl.adv.timer);
	sim_timer_cancel(&dev->ctrl.scan.timer);
	for (int k = 0; k < ZBLE_SIM_ADV_SETS; k++) {
		sim_timer_cancel(&dev->ctrl.sets[k].timer);
	}
}

void zble_sim_device_set_radio(struct zble_sim_device *dev, bool on)
{
	dev->radio_on = on;
}

void zble_sim_set_loss(struct zble_sim *sim, struct zble_sim_device *a, struct zble_sim_device *b, double p)
{
	uint32_t th = p <= 0 ? 0 : p >= 1 ? UINT32_MAX : (uint32_t)(p * 4294967296.0);
	sim->loss[a->index][b->index] = th;
	sim->loss[b->index][a->index] = th;
	for (unsigned i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		struct zble_sim_link *l = &sim->links[i];
		if (l->used && ((l->dev[0] == a->index && l->dev[1] == b->index) ||
				(l->dev[0] == b->index && l->dev[1] == a->index))) {
			l->loss = th;
		}
	}
}

uint64_t zble_sim_now_us(const struct zble_sim *sim)
{
	return sim->now_us;
}

int8_t zble_sim_rssi(const struct zble_sim_device *a, const struct zble_sim_device *b)
{
	double dx = a->x - b->x, dy = a->y - b->y;
	double d = sqrt(dx * dx + dy * dy);
	if (d < 1.0) {
		d = 1.0; /* the model holds from 1 m */
	}
	long rssi = lround((double)a->tx_power - (40.0 + 20.0 * log10(d)));
	if (rssi < -127) {
		rssi = -127;
	}
	if (rssi > 20) {
		rssi = 20;
	}
	return (int8_t)rssi;
}

uint32_t zble_sim_air_time_us(uint16_t payload)
{
	/* preamble 1 + access address 4 + header 2 + payload + CRC 3, 8 us/byte */
	return (1u + 4u + 2u + payload + 3u) * 8u;
}

uint32_t zble_sim_air_time_phy_us(uint8_t phy, uint16_t payload)
{
	switch (phy) {
	case ZBLE_SIM_PHY_2M:
		/* preamble 2 + access address 4 + header 2 + payload + CRC 3, 4 us/byte */
		return (2u + 4u + 2u + payload + 3u) * 4u;
	case ZBLE_SIM_PHY_CODED:
		/* preamble 80 + access address 256 + CI 16 + TERM1 24 us, then
		 * header, payload and CRC at 64 us/byte (S=8), TERM2 24 us */
		return 80u + 256u + 16u + 24u + (2u + payload + 3u) * 64u + 24u;
	default:
		return zble_sim_air_time_us(payload);
	}
}

int zble_sim_run_until(struct zble_sim *sim, uint64_t t)
{
	if (t < sim->now_us) {
		return 0;
	}
	return sim_loop(sim, NULL, t);
}

int zble_sim_run_for(struct zble_sim *sim, uint64_t us)
{
	return zble_sim_run_until(sim, sim->now_us + us);
}

void zble_sim_set_stop_time(struct zble_sim *sim, uint64_t t)
{
	sim->stop_at = t;
}
