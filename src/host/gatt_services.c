/* The services the host serves itself, first in every database: GAP
 * (0x1800: Device Name, Appearance) and GATT (0x1801: Service Changed and
 * its CCC), handles 1..9. Their attributes live in the host, so the
 * Service Changed CCC is per host. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "att_internal.h"
#include "gatt_internal.h"

#ifndef CONFIG_BT_DEVICE_APPEARANCE
#define CONFIG_BT_DEVICE_APPEARANCE 0
#endif

static ssize_t read_name(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			 uint16_t offset)
{
	struct zble_host *host = conn ? conn->host : zble_host_current();
	const char *name = host ? host->name : "";
	return bt_gatt_attr_read(conn, attr, buf, len, offset, name, (uint16_t)strlen(name));
}

static ssize_t read_appearance(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			       uint16_t offset)
{
	uint8_t v[2];
	sys_put_le16(CONFIG_BT_DEVICE_APPEARANCE, v);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, sizeof(v));
}

/* Service Changed is indicate-only: its value is never read or written. */
static const struct bt_gatt_chrc chrc_name = BT_GATT_CHRC_INIT(BT_UUID_GAP_DEVICE_NAME, 3, BT_GATT_CHRC_READ);
static const struct bt_gatt_chrc chrc_appearance = BT_GATT_CHRC_INIT(BT_UUID_GAP_APPEARANCE, 5, BT_GATT_CHRC_READ);
static const struct bt_gatt_chrc chrc_sc = BT_GATT_CHRC_INIT(BT_UUID_GATT_SC, 8, BT_GATT_CHRC_INDICATE);

/* Copied into each host; the CCC's user data is pointed at the host's. */
static const struct bt_gatt_attr builtin_template[ZBLE_GATT_BUILTIN_ATTRS] = {
	BT_GATT_PRIMARY_SERVICE(BT_UUID_GAP),
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_CHRC, BT_GATT_PERM_READ, bt_gatt_attr_read_chrc, NULL, &chrc_name),
	BT_GATT_ATTRIBUTE(BT_UUID_GAP_DEVICE_NAME, BT_GATT_PERM_READ, read_name, NULL, NULL),
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_CHRC, BT_GATT_PERM_READ, bt_gatt_attr_read_chrc, NULL, &chrc_appearance),
	BT_GATT_ATTRIBUTE(BT_UUID_GAP_APPEARANCE, BT_GATT_PERM_READ, read_appearance, NULL, NULL),
	BT_GATT_PRIMARY_SERVICE(BT_UUID_GATT),
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_CHRC, BT_GATT_PERM_READ, bt_gatt_attr_read_chrc, NULL, &chrc_sc),
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_SC, BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC_MANAGED(NULL, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};

#define SC_VALUE_HANDLE 8
#define SC_CCC_INDEX 8

void zble_gatts_builtin_init(struct zble_host *host)
{
	struct zble_gatt_server_host *gs = &host->gatts;
	memcpy(gs->builtin, builtin_template, sizeof(gs->builtin));
	for (uint16_t i = 0; i < ZBLE_GATT_BUILTIN_ATTRS; i++) {
		gs->builtin[i].handle = (uint16_t)(i + 1);
	}
	memset(&gs->sc_ccc, 0, sizeof(gs->sc_ccc));
	gs->builtin[SC_CCC_INDEX].user_data = &gs->sc_ccc;
}

static void sc_send(struct bt_conn *conn, uint16_t start, uint16_t end);

static void sc_done(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)params;
	(void)err;
	struct zble_gatt_server_conn *sc = &conn->gatts;
	sc->sc_busy = false;
	if (sc->sc_next_start && conn->state == BT_CONN_STATE_CONNECTED) {
		uint16_t s = sc->sc_next_start, e = sc->sc_next_end;
		sc->sc_next_start = sc->sc_next_end = 0;
		sc_send(conn, s, e);
	}
}

static void sc_send(struct bt_conn *conn, uint16_t start, uint16_t end)
{
	struct zble_gatt_server_conn *sc = &conn->gatts;
	if (sc->sc_busy) {
		/* One at a time: widen what goes out next. */
		if (!sc->sc_next_start) {
			sc->sc_next_start = start;
			sc->sc_next_end = end;
		} else {
			sc->sc_next_start = MIN(sc->sc_next_start, start);
			sc->sc_next_end = MAX(sc->sc_next_end, end);
		}
		return;
	}
	sys_put_le16(start, sc->sc_data);
	sys_put_le16(end, sc->sc_data + 2);
	sc->sc_ind = (struct bt_gatt_indicate_params){
		.attr = &conn->host->gatts.builtin[SC_VALUE_HANDLE - 1],
		.func = sc_done,
		.data = sc->sc_data,
		.len = sizeof(sc->sc_data),
	};
	sc->sc_busy = bt_gatt_indicate(conn, &sc->sc_ind) == 0;
}

void zble_gatts_service_changed(struct zble_host *host, uint16_t start, uint16_t end)
{
	const struct bt_gatt_attr *ccc = &zble_gatts(host)->builtin[SC_CCC_INDEX];
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		struct bt_conn *conn = &host->conns[i];
		if (atomic_get(&conn->ref) && conn->state == BT_CONN_STATE_CONNECTED &&
		    (zble_ccc_value(conn, ccc) & BT_GATT_CCC_INDICATE)) {
			sc_send(conn, start, end);
		}
	}
}

void zble_gatts_sc_conn_reset(struct bt_conn *conn)
{
	struct zble_gatt_server_conn *sc = &conn->gatts;
	sc->sc_next_start = sc->sc_next_end = 0;
	sc->sc_busy = false;
}
