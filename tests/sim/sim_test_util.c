#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sim_test_util.h"

static int raw_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct raw_host *rh = ctx;
	bool report = len >= 4 && pkt[0] == ZBLE_H4_EVT && pkt[1] == 0x3e && pkt[3] == 0x02;
	if ((!report || rh->keep_reports) && rh->n < RAW_LOG_MAX && len <= ZBLE_SIM_PKT_MAX) {
		struct raw_pkt *p = &rh->log[rh->n++];
		p->t = zble_sim_now_us(rh->dev->sim);
		p->len = (uint16_t)len;
		memcpy(p->data, pkt, len);
	}
	if (rh->hook) {
		rh->hook(rh, pkt, len);
	}
	return 0;
}

void raw_init(struct raw_host *rh, struct zble_sim_device *dev)
{
	memset(rh, 0, sizeof(*rh));
	rh->dev = dev;
	rh->drv = zble_sim_device_driver(dev);
	rh->log = calloc(RAW_LOG_MAX, sizeof(*rh->log));
	assert_non_null(rh->log);
	assert_int_equal(rh->drv->open(rh->drv, raw_recv, rh), 0);
}

void raw_free(struct raw_host *rh)
{
	free(rh->log);
	rh->log = NULL;
}

uint8_t raw_cmd(struct raw_host *rh, uint16_t opcode, const void *params, uint8_t len, uint8_t *rp, size_t rp_max)
{
	uint8_t pkt[4 + 255];
	pkt[0] = ZBLE_H4_CMD;
	pkt[1] = (uint8_t)opcode;
	pkt[2] = (uint8_t)(opcode >> 8);
	pkt[3] = len;
	if (len) {
		memcpy(pkt + 4, params, len);
	}
	unsigned from = rh->n;
	assert_int_equal(rh->drv->send(rh->drv, pkt, 4u + len), 0);
	struct zble_sim *sim = rh->dev->sim;
	uint64_t until = zble_sim_now_us(sim) + 1000000;
	while (zble_sim_now_us(sim) < until) {
		for (unsigned i = from; i < rh->n; i++) {
			const uint8_t *e = rh->log[i].data;
			if (e[0] != ZBLE_H4_EVT) {
				continue;
			}
			if (e[1] == 0x0e && (uint16_t)(e[4] | (e[5] << 8)) == opcode) {
				if (rp && rh->log[i].len > 7) {
					size_t n = rh->log[i].len - 7u;
					memcpy(rp, e + 7, n < rp_max ? n : rp_max);
				}
				return e[6];
			}
			if (e[1] == 0x0f && (uint16_t)(e[5] | (e[6] << 8)) == opcode) {
				return e[3];
			}
		}
		zble_sim_run_for(sim, 10);
	}
	return 0xff;
}

int raw_find_le(const struct raw_host *rh, uint8_t sub, unsigned from)
{
	for (unsigned i = from; i < rh->n; i++) {
		const uint8_t *e = rh->log[i].data;
		if (e[0] == ZBLE_H4_EVT && e[1] == 0x3e && e[3] == sub) {
			return (int)i;
		}
	}
	return -1;
}

int raw_find_evt(const struct raw_host *rh, uint8_t code, unsigned from)
{
	for (unsigned i = from; i < rh->n; i++) {
		const uint8_t *e = rh->log[i].data;
		if (e[0] == ZBLE_H4_EVT && e[1] == code) {
			return (int)i;
		}
	}
	return -1;
}

void raw_setup(struct raw_host *rh, uint64_t le_mask)
{
	assert_int_equal(raw_cmd(rh, 0x0c03, NULL, 0, NULL, 0), 0);
	uint8_t m[8];
	uint64_t mask = (1ull << 4) | (1ull << 25) | (1ull << 61);
	for (int i = 0; i < 8; i++) {
		m[i] = (uint8_t)(mask >> (8 * i));
	}
	assert_int_equal(raw_cmd(rh, 0x0c01, m, 8, NULL, 0), 0);
	for (int i = 0; i < 8; i++) {
		m[i] = (uint8_t)(le_mask >> (8 * i));
	}
	assert_int_equal(raw_cmd(rh, 0x2001, m, 8, NULL, 0), 0);
}

double real_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
