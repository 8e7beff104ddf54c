/* --fault for the zble-sim apps: parses the specs, applies each at its
 * time through the simulator's fault API. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault_cli.h"

static bool num(const char *s, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > max) {
		return false;
	}
	*out = v;
	return true;
}

static bool uint_(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max) {
		return false;
	}
	*out = v;
	return true;
}

/* "X[*COUNT]" (count 1 by default; "*0": all of them). */
static bool with_count(char *s, unsigned long max, unsigned long *v, uint32_t *count)
{
	char *star = strchr(s, '*');
	unsigned long n = 1;
	if (star) {
		*star = 0;
		if (!uint_(star + 1, UINT32_MAX, &n)) {
			return false;
		}
	}
	*count = n ? (uint32_t)n : UINT32_MAX;
	return uint_(s, max, v);
}

static bool parse_kv(struct fault_cli_spec *f, const char *k, char *v, bool *has_dev)
{
	unsigned long u = 0;
	double d;
	if (!strcmp(k, "vanish") || !strcmp(k, "radio-off")) {
		*(k[0] == 'v' ? &f->vanish : &f->radio_off) = true;
		return !v;
	}
	if (!v) {
		return false;
	}
	if (!strcmp(k, "dev")) {
		*has_dev = uint_(v, ZBLE_SIM_MAX_DEVICES - 1, &u);
		f->dev = (unsigned)u;
		return *has_dev;
	}
	if (!strcmp(k, "peer")) {
		f->has_peer = uint_(v, ZBLE_SIM_MAX_DEVICES - 1, &u);
		f->peer = (unsigned)u;
		return f->has_peer;
	}
	if (!strcmp(k, "at")) {
		return uint_(v, 86400000ul, &u) && ((f->at_us = (uint64_t)u * 1000u), true);
	}
	if (!strcmp(k, "after")) {
		f->after_connect = !strcmp(v, "connect");
		return f->after_connect;
	}
	if (!strcmp(k, "loss") || !strcmp(k, "crc") || !strcmp(k, "drop")) {
		if (!num(v, 1.0, &d)) {
			return false;
		}
		if (k[0] == 'l') {
			f->loss = d, f->has_loss = true;
		} else if (k[0] == 'c') {
			f->crc = d, f->has_crc = true;
		} else {
			f->drop = d, f->has_drop = true;
		}
		return true;
	}
	if (!strcmp(k, "drop-next")) {
		char *slash = strchr(v, '/');
		unsigned long detail = 0;
		if (slash) {
			*slash = 0;
		}
		if (!with_count(slash ? slash + 1 : v, slash ? 0xffff : 0xff, slash ? &detail : &u, &f->drop_count)) {
			return false;
		}
		if (slash && !uint_(v, 0xff, &u)) {
			return false;
		}
		f->drop_code = (uint8_t)u;
		f->drop_detail = (uint16_t)detail;
		return u != 0;
	}
	if (!strcmp(k, "delay")) {
		return uint_(v, 10000000ul, &u) && ((f->delay_us = (uint32_t)u), true);
	}
	if (!strcmp(k, "hold")) {
		return uint_(v, 3600000ul, &u) && ((f->hold_us = (uint64_t)u * 1000u), true);
	}
	if (!strcmp(k, "hw-error")) {
		return uint_(v, 0xff, &u) && ((f->hw_error = (int)u), true);
	}
	if (!strcmp(k, "swallow")) {
		return with_count(v, 0xffff, &u, &f->swallow_count) && ((f->swallow_op = (uint16_t)u), u != 0);
	}
	return false;
}

int fault_cli_parse(struct fault_cli *fc, const char *arg, FILE *err)
{
	if (fc->n >= FAULT_CLI_MAX) {
		fprintf(err, "--fault: at most %d\n", FAULT_CLI_MAX);
		return -EINVAL;
	}
	struct fault_cli_spec *f = &fc->specs[fc->n];
	memset(f, 0, sizeof(*f));
	f->hw_error = -1;
	char buf[256];
	if (strlen(arg) >= sizeof(buf)) {
		fprintf(err, "--fault: too long\n");
		return -EINVAL;
	}
	strcpy(buf, arg);
	bool has_dev = false;
	for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq) {
			*eq = 0;
		}
		if (!parse_kv(f, kv, eq ? eq + 1 : NULL, &has_dev)) {
			fprintf(err, "--fault: bad item '%s'\n", kv);
			return -EINVAL;
		}
	}
	if (!has_dev || ((f->has_loss || f->has_crc) && !f->has_peer)) {
		fprintf(err, "--fault: needs dev=K (and peer=J for loss/crc)\n");
		return -EINVAL;
	}
	fc->n++;
	return 0;
}

int fault_cli_check(const struct fault_cli *fc, const struct zble_sim *sim, FILE *err)
{
	for (unsigned i = 0; i < fc->n; i++) {
		const struct fault_cli_spec *f = &fc->specs[i];
		if (f->dev >= sim->ndev || (f->has_peer && (f->peer >= sim->ndev || f->peer == f->dev))) {
			fprintf(err, "--fault: no device %u (or peer %u) among %u\n", f->dev, f->peer, sim->ndev);
			return -EINVAL;
		}
	}
	return 0;
}

static void apply(const struct fault_cli_spec *f, struct zble_sim *sim, FILE *log)
{
	struct zble_sim_device *d = &sim->devices[f->dev];
	struct zble_sim_device *peer = f->has_peer ? &sim->devices[f->peer] : NULL;
	if (f->has_loss) {
		zble_sim_set_loss(sim, d, peer, f->loss);
	}
	if (f->has_crc) {
		zble_sim_set_crc_errors(sim, d, peer, f->crc);
	}
	if (f->has_drop) {
		zble_sim_fault_drop_events(d, f->drop);
	}
	if (f->drop_code) {
		zble_sim_fault_drop_next_event(d, f->drop_code, f->drop_detail, f->drop_count);
	}
	if (f->delay_us) {
		zble_sim_fault_event_delay(d, f->delay_us);
	}
	if (f->hold_us) {
		zble_sim_fault_hold_completions(d, f->hold_us);
	}
	if (f->hw_error >= 0) {
		zble_sim_fault_hw_error(d, (uint8_t)f->hw_error);
	}
	if (f->swallow_op) {
		zble_sim_fault_swallow_cmd(d, f->swallow_op, f->swallow_count);
	}
	if (f->radio_off) {
		zble_sim_device_set_radio(d, false);
	}
	if (f->vanish) {
		zble_sim_device_remove(d);
	}
	if (log) {
		fprintf(log, "[%10.3f s] fault applied to %s\n", (double)zble_sim_now_us(sim) / 1e6, d->name);
	}
}

/* Whether the device's controller has a connection now. */
static bool connected(const struct zble_sim_device *d)
{
	for (int h = 0; h < ZBLE_SIM_MAX_CONN; h++) {
		if (d->ctrl.conn_link[h] != 0xff) {
			return true;
		}
	}
	return false;
}

uint64_t fault_cli_apply(struct fault_cli *fc, struct zble_sim *sim, FILE *log)
{
	uint64_t next = ZBLE_TIME_NEVER;
	uint64_t now = zble_sim_now_us(sim);
	for (unsigned i = 0; i < fc->n; i++) {
		struct fault_cli_spec *f = &fc->specs[i];
		if (f->applied) {
			continue;
		}
		if (!f->after_connect) {
			f->due_us = f->at_us;
		} else if (!f->triggered) {
			if (!connected(&sim->devices[f->dev])) {
				if (now + FAULT_CLI_POLL_US < next) {
					next = now + FAULT_CLI_POLL_US;
				}
				continue;
			}
			f->triggered = true;
			f->due_us = now + f->at_us;
			if (log) {
				fprintf(log, "[%10.3f s] %s connected: fault due in %.3f s\n", (double)now / 1e6,
					sim->devices[f->dev].name, (double)f->at_us / 1e6);
			}
		}
		if (f->due_us <= now) {
			apply(f, sim, log);
			f->applied = true;
		} else if (f->due_us < next) {
			next = f->due_us;
		}
	}
	return next;
}

void fault_cli_usage(FILE *f)
{
	fprintf(f, "  --fault SPEC  inject faults (repeatable), SPEC is comma-separated:\n"
		   "                dev=K        the device (index), required\n"
		   "                at=MS        when (simulated ms; default at start)\n"
		   "                after=connect  at=MS counts from the moment K's first\n"
		   "                             connection is up (not from the start)\n"
		   "                peer=J       the other end, for loss and crc\n"
		   "                loss=P       LL packets between K and J lost with probability P\n"
		   "                crc=P        ... arrive with CRC errors with probability P\n"
		   "                drop=P       every event to K's host dropped with probability P\n"
		   "                drop-next=CODE[/DETAIL][*N]  drop the next N (default 1, 0: all)\n"
		   "                             events CODE (DETAIL: LE subevent, or opcode of\n"
		   "                             Command Complete/Status)\n"
		   "                delay=US     every controller->host packet US later\n"
		   "                hold=MS      withhold Number Of Completed Packets for MS\n"
		   "                hw-error=C   a Hardware Error event with code C\n"
		   "                swallow=OP[*N]  the next N commands OP never complete\n"
		   "                vanish       the device disappears (peers time out)\n"
		   "                radio-off    its radio goes silent\n"
		   "                e.g. --fault dev=0,peer=1,loss=0.1 --fault dev=1,after=connect,at=500,vanish\n");
}
