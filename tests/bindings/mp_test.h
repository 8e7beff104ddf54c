/* Two (or more) MicroPython backend cores on zble-sim devices in one
 * process, in virtual time: every upcall is recorded as a line of text so
 * tests compare event sequences exactly. */
#ifndef MP_TEST_H
#define MP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/sim.h"
#include "zble_mp/core.h"

#define MPT_LINES 512
#define MPT_LINE_LEN 320
#define MPT_ARENA 4096

struct mpt_dev;
/* Runs after an event was recorded; its return value answers sync events. */
typedef int (*mpt_hook_t)(struct mpt_dev *d, struct zble_mp_event *ev);

struct mpt_dev {
	struct zble_sim_device *dev;
	struct zble_mp mp;
	struct zble_mp_port port;
	uint8_t arena[MPT_ARENA];
	char lines[MPT_LINES][MPT_LINE_LEN];
	unsigned n, cursor;
	mpt_hook_t hook;
	void *user;
	uint8_t addr[6]; /* its identity address (big-endian) once active */
	int opens, closes;
	bool batches; /* record the core's irq_batch brackets as "batch{" / "}batch" */
};

#define MPT_DEVS 3

struct mpt {
	struct zble_sim sim;
	struct mpt_dev d[MPT_DEVS];
};

/* Simulation with three devices (d[0] 'p', d[1] 'c', d[2] 'q'), cores
 * initialised (inactive). Heap-allocated; free with mpt_free. */
struct mpt *mpt_new(uint64_t seed);
void mpt_free(struct mpt *t);
/* Runs the simulation for ms of virtual time. */
void mpt_run(struct mpt *t, uint32_t ms);
/* Runs until d records a line starting with prefix (searching from its
 * cursor) or ms pass; the line index, cursor moved after it, or -1. */
int mpt_wait(struct mpt *t, struct mpt_dev *d, const char *prefix, uint32_t ms);
/* The lines recorded since the cursor, joined with '\n', cursor moved to
 * the end (the buffer is static to the test run: one at a time). */
const char *mpt_take(struct mpt_dev *d, char *buf, size_t size);
/* "aa:bb:cc:dd:ee:ff" for a big-endian address. */
void mpt_addr_str(const uint8_t a[6], char *out);
/* A 16-bit UUID. */
struct zble_mp_uuid mpt_uuid16(uint16_t v);

#endif
