/* Shared by the libFuzzer targets: a fresh host per input on the scripted
 * controller (tests/support/fake_ctrl.c), coop backend on a virtual clock,
 * so an input replays exactly. fz_down() drops what is still connected,
 * lets timers run out and aborts unless every host pool is back to its
 * start count: a leak is a crash the fuzzer reports and minimises. */
#ifndef ZBLE_FUZZ_ENV_H
#define ZBLE_FUZZ_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_ctrl.h"
#include "ktest.h"
#include "zble/host.h"

/* abort() with a message: libFuzzer reports it as a crash. */
#define FZ_ASSERT(cond)                                           \
	do {                                                      \
		if (!(cond)) {                                    \
			fz_fail(__FILE__, __LINE__, #cond);       \
		}                                                 \
	} while (0)

struct fz_env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	int connected, disconnected; /* callbacks seen */
	bool hold;                   /* do not complete the ACL fragments the host sends */
};

extern struct fz_env *fz;

_Noreturn void fz_fail(const char *file, int line, const char *what);

/* A new kernel, controller and host (controller ACL buffers: acl_mtu bytes,
 * acl_pkts of them; extended advertising or not), enabled. */
void fz_up(uint16_t acl_mtu, uint8_t acl_pkts, bool ext_adv);
/* Start states. Bringing a host up for every input would cost most of the
 * run, so a target builds its start state once per variant (fz_up and its
 * own set-up, then fz_save) and every later input starts from a copy
 * (fz_restore). All state of a host lives in its structs (P2), so a copy
 * at the same address is the same host; app is the target's own state
 * (its callbacks' counters, channels, buffer pools). */
#define FZ_VARIANTS 4
bool fz_restore(unsigned variant, void *app, size_t app_size);
void fz_save(unsigned variant, const void *app, size_t app_size);
/* Ends the input: Disconnection Complete for every live link, time for
 * every timeout to fire, then the pool check. */
void fz_down(void);
/* Lets ms of virtual time pass; completes (Number Of Completed Packets)
 * what the host sent unless fz->hold. */
void fz_run(uint32_t ms);
/* A link: central (bt_conn_le_create) or peripheral (connectable
 * advertising); the host's reference, or NULL when refused. */
struct bt_conn *fz_connect(uint16_t handle, bool central);
/* Aborts unless every host pool has all its buffers back and none saw a
 * double free. */
void fz_check_pools(void);
/* One ACL fragment from the peer (pb: 0b10 start, 0b01 continuation). */
void fz_acl(uint16_t handle, uint8_t pb, const uint8_t *data, uint16_t len);
/* A whole L2CAP PDU from the peer, in fragments of at most 251 bytes. */
void fz_l2cap(uint16_t handle, uint16_t cid, const uint8_t *payload, uint16_t len);

/* The fuzzer's input, read front to back; reads past the end give zeros. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
/* Up to max bytes (fewer at the end); returns how many. */
size_t fz_bytes(struct fz_in *in, uint8_t *out, size_t max);

#endif
