/* A host with one link (central, handle ATT_HANDLE) to a scripted
 * controller; the test plays the peer with raw ATT PDUs and reads back the
 * ATT PDUs the host sent. The controller's ACL buffers take whole PDUs
 * (251 bytes), so every PDU is one fragment. */
#ifndef ATT_TEST_UTIL_H
#define ATT_TEST_UTIL_H

#include <stdint.h>

#include <zephyr/bluetooth/gatt.h>

#include "att_internal.h"
#include "fake_ctrl.h"
#include "ktest.h"

#define ATT_HANDLE 0x0040

struct att_env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected;
	struct bt_conn *conn;
	int disconnects;
	int acked;    /* fragments completed with Number Of Completed Packets */
	size_t rd;    /* read position in ctrl.acl_data */
	bool hold;    /* do not complete sent fragments */
};

extern struct att_env *t;

/* cmocka fixtures: a connected link, bt_enable done. */
int att_setup(void **state);
int att_teardown(void **state);

/* A new link as central (the old one must be gone). */
void att_connect(void);
/* Lets the host run, completing what it sent unless t->hold. */
void att_run(void);
/* An ATT PDU from the peer on the link. */
void att_in(const uint8_t *pdu, uint16_t len);
#define ATT_IN(...)                                      \
	do {                                             \
		const uint8_t p_[] = { __VA_ARGS__ };    \
		att_in(p_, (uint16_t)sizeof(p_));        \
	} while (0)
/* The next ATT PDU the host sent (payload), or NULL. */
const uint8_t *att_out(uint16_t *len);
/* Asserts the next sent ATT PDU is exactly this. */
void att_expect(const uint8_t *pdu, uint16_t len);
#define ATT_EXPECT(...)                                  \
	do {                                             \
		const uint8_t e_[] = { __VA_ARGS__ };    \
		att_expect(e_, (uint16_t)sizeof(e_));    \
	} while (0)
/* Asserts the host sent no further ATT PDU. */
void att_expect_none(void);
/* Disconnects the link from the controller's side. */
void att_drop_link(void);
/* Free buffers of the host's TX pool. */
int att_tx_free(void);

#endif
