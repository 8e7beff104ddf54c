/* A virtual clock port for the coop backend: time stands still while the
 * kernel works and jumps straight to the next deadline when it would sleep,
 * so a 30-second timeout takes microseconds and every run is repeatable. */
#ifndef ZBLE_VCLOCK_H
#define ZBLE_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "zble/port.h"

struct zble_vclock {
	uint64_t now_us;
	bool pending;    /* schedule() was called since the last wait */
	uint32_t jumps;  /* waits that advanced time */
};

extern const struct zble_port zble_vclock_port;

void zble_vclock_init(struct zble_vclock *vc, uint64_t start_us);
/* Moves time forward by hand (never backwards). */
void zble_vclock_advance(struct zble_vclock *vc, uint64_t us);

#endif
