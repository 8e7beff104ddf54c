/* Fault injection from the command line of the zble-sim apps:
 *   --fault dev=K[,peer=J][,at=MS][,after=connect][,loss=P][,crc=P][,drop=P]
 *           [,drop-next=CODE[/DETAIL][*COUNT]][,delay=US][,hold=MS]
 *           [,hw-error=CODE][,swallow=OPCODE[*COUNT]][,vanish][,radio-off]
 * Each spec names a device (its index) and, at simulated time at (ms, 0:
 * at start) -- or, with after=connect, at ms after the device's first
 * connection is up, so that a test never races the server's clock --
 * applies what it lists through the zble_sim_fault_* calls:
 * per-link packet loss or CRC errors with peer J, dropped events (any with
 * probability P, or the next COUNT with this event code and detail),
 * delayed events, withheld Number Of Completed Packets for MS, a Hardware
 * Error, commands that never complete, the device vanishing, radio off. */
#ifndef ZBLE_SIM_FAULT_CLI_H
#define ZBLE_SIM_FAULT_CLI_H

#include <stdio.h>

#include "zble/sim.h"

#define FAULT_CLI_MAX 16
#define FAULT_CLI_POLL_US 5000

struct fault_cli_spec {
	unsigned dev, peer;
	bool has_peer, applied;
	uint64_t at_us;       /* absolute, or after the trigger */
	bool after_connect;   /* at counts from the device's first connection */
	bool triggered;       /* after_connect: the connection was seen */
	uint64_t due_us;      /* when it applies (once known) */
	double loss, crc, drop;
	bool has_loss, has_crc, has_drop;
	uint8_t drop_code;
	uint16_t drop_detail;
	uint32_t drop_count;
	uint32_t delay_us;
	uint64_t hold_us;
	int hw_error;      /* -1: none */
	uint16_t swallow_op;
	uint32_t swallow_count;
	bool vanish, radio_off;
};

struct fault_cli {
	struct fault_cli_spec specs[FAULT_CLI_MAX];
	unsigned n;
};

/* Adds one --fault argument. 0, or -EINVAL (with a message on err). */
int fault_cli_parse(struct fault_cli *fc, const char *arg, FILE *err);
/* Checks device indices against the simulation. */
int fault_cli_check(const struct fault_cli *fc, const struct zble_sim *sim, FILE *err);
/* Applies the specs that are due; returns when the next one is (simulated
 * time), ZBLE_TIME_NEVER when none is left. A spec still waiting for its
 * connection asks to be looked at again within FAULT_CLI_POLL_US. */
uint64_t fault_cli_apply(struct fault_cli *fc, struct zble_sim *sim, FILE *log);
/* The option's help text. */
void fault_cli_usage(FILE *f);

#endif
