/* The seed of a seeded fuzz test: ZBLE_FUZZ_SEED from the environment
 * (decimal or 0x hex) when set, otherwise the test's fixed one. Printed
 * either way, so a failure in any run names the seed that replays it:
 *   ZBLE_FUZZ_SEED=1234 ctest --test-dir build -R l2cap_fuzz               */
#ifndef ZBLE_FUZZ_SEED_H
#define ZBLE_FUZZ_SEED_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint64_t zble_fuzz_seed(const char *test, uint64_t fixed)
{
	const char *env = getenv("ZBLE_FUZZ_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : fixed;
	printf("%s: seed %" PRIu64 " (ZBLE_FUZZ_SEED=%" PRIu64 " replays it)\n", test, seed, seed);
	fflush(stdout);
	return seed;
}

#endif
