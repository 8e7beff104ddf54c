/* Shared by the files of the MicroPython backend core (not for shims). */
#ifndef ZBLE_MP_INTERNAL_H
#define ZBLE_MP_INTERNAL_H

#include "zble_mp/core.h"

enum { MP_OFF, MP_ACTIVE, MP_STOPPING };

/* A public call: the host's kernel made current and its lock held. */
struct mp_call {
	struct zble_kernel *prev;
	struct zble_host *host;
};

/* 0 with the lock held, or ZBLE_MP_ENODEV (nothing held). */
int mp_enter(struct zble_mp *mp, struct mp_call *c);
void mp_exit(struct mp_call *c);
/* The context of the host callbacks run for (its lock taken), or NULL. */
struct zble_mp *mp_from_host(struct zble_host *host);
struct zble_mp *mp_cb_enter(struct bt_conn *conn);
void mp_cb_exit(struct zble_mp *mp);

/* Delivers ev (only while active); returns the upcall's answer or dflt. */
int mp_emit(struct zble_mp *mp, struct zble_mp_event *ev, int dflt);
/* Around upcalls that belong together (port->irq_batch); begin returns
 * whether end must be called. */
bool mp_batch_begin(struct zble_mp *mp);
void mp_batch_end(struct zble_mp *mp, bool begun);
/* A negative host errno as a positive MicroPython one. */
int mp_errno(int neg);

void mp_addr_from_le(const bt_addr_le_t *a, uint8_t *type, uint8_t be[6]);
void mp_uuid_to_bt(const struct zble_mp_uuid *in, union bt_uuid_any *out);
void mp_uuid_from_bt(const struct bt_uuid *in, struct zble_mp_uuid *out);
bool mp_uuid_valid(const struct zble_mp_uuid *u);

/* Connection table. */
struct zble_mp_conn *mp_conn_find(struct zble_mp *mp, uint16_t handle);
struct zble_mp_conn *mp_conn_of(struct zble_mp *mp, const struct bt_conn *conn);
uint16_t mp_conn_handle(const struct bt_conn *conn);
void mp_conns_reset(struct zble_mp *mp);

/* Per-part set-up at activation and clean-up at deactivation (lock held). */
void mp_gap_start(struct zble_mp *mp);
void mp_gap_stop(struct zble_mp *mp);
void mp_gatts_reset(struct zble_mp *mp);
void mp_l2cap_start(struct zble_mp *mp);
void mp_l2cap_stop(struct zble_mp *mp);
void mp_hci_start(struct zble_mp *mp);

/* Host callbacks implemented by the parts. */
void mp_gap_on_connected(struct zble_mp *mp, struct bt_conn *conn, uint8_t err);
void mp_gattc_value_hook(struct bt_conn *conn, uint16_t handle, bool indication, const uint8_t *data,
			 uint16_t len);

#endif
