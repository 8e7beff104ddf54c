/* The demo's GATT part: the peripheral's service and the central's walk
 * through it (discover, read, write, subscribe, notifications and
 * indications). Every step is checked through demo_check(). */
#ifndef DEMO_GATT_H
#define DEMO_GATT_H

#include <stdbool.h>

#include <zephyr/bluetooth/conn.h>

/* From the demo program. */
void demo_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void demo_check(bool ok, const char *what);

/* Peripheral: registers the demo service (before advertising). */
int demo_gatt_peripheral_init(void);
/* Peripheral, after the central's exchange: whether it saw all of it. */
void demo_gatt_peripheral_verify(void);
/* Central: the whole exchange on conn; true when every step passed. */
bool demo_gatt_central_run(struct bt_conn *conn);

#endif
