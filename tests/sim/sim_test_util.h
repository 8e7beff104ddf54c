/* Helpers for the simulator tests: a tiny raw HCI host that drives a
 * virtual controller through its driver interface, and small utilities. */
#ifndef SIM_TEST_UTIL_H
#define SIM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/sim.h"

#define RAW_LOG_MAX 4096

struct raw_pkt {
	uint64_t t;
	uint16_t len;
	uint8_t data[ZBLE_SIM_PKT_MAX];
};

struct raw_host;
typedef void (*raw_hook_t)(struct raw_host *rh, const uint8_t *pkt, size_t len);

struct raw_host {
	struct zble_sim_device *dev;
	struct zble_hci_driver *drv;
	struct raw_pkt *log; /* heap: RAW_LOG_MAX entries */
	unsigned n;
	bool keep_reports;   /* log advertising reports too */
	raw_hook_t hook;     /* called for every packet received */
	void *user;
};

void raw_init(struct raw_host *rh, struct zble_sim_device *dev);
void raw_free(struct raw_host *rh);
/* Sends a command and runs the simulation until its Command Complete or
 * Command Status; returns the status (0xff: none within 1 s). Return
 * parameters after the status go to rp (up to rp_max). */
uint8_t raw_cmd(struct raw_host *rh, uint16_t opcode, const void *params, uint8_t len, uint8_t *rp, size_t rp_max);
/* Index of the first logged LE meta event with subevent sub at or after
 * index from, or -1. */
int raw_find_le(const struct raw_host *rh, uint8_t sub, unsigned from);
int raw_find_evt(const struct raw_host *rh, uint8_t code, unsigned from);
/* Reset, event mask with LE Meta + Disconnection Complete, LE event mask. */
void raw_setup(struct raw_host *rh, uint64_t le_mask);

double real_seconds(void);
/* CPU time of this process: for cost bounds that must not depend on how
 * loaded the machine is (wall time does). */
double cpu_seconds(void);

#endif
