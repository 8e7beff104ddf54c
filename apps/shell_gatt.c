/* zble-shell's GATT commands: a client for any peer and a small server.
 *
 *   gatt mtu IDX                       exchange the MTU
 *   gatt discover IDX                  services, characteristics, CCCDs
 *   gatt read IDX HANDLE               read (long values in full)
 *   gatt write IDX HANDLE HEX          write request (long: prepared)
 *   gatt write-cmd IDX HANDLE HEX      write without response
 *   gatt subscribe IDX HANDLE CCC [notify|indicate]
 *   gatt unsubscribe IDX
 *   gatt server                        register a service: 0xfff1 read/write,
 *                                      0xfff2 notify/indicate (+ CCCD)
 *   gatt notify HEX | gatt indicate HEX   to every subscriber
 *
 * Results arrive as lines when the peer answers; the shell never waits.
 * One client procedure of each kind at a time (their parameters live
 * here). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>

#include "shell_gatt.h"

#define VALUE_MAX 512

struct shell_gatt {
	const struct shell_gatt_env *env;
	struct bt_gatt_exchange_params mtu;
	struct bt_gatt_discover_params disc;
	struct bt_gatt_read_params read;
	struct bt_gatt_write_params write;
	struct bt_gatt_subscribe_params sub;
	struct bt_gatt_indicate_params ind;
	uint8_t write_buf[VALUE_MAX], notify_buf[VALUE_MAX];
	uint8_t value[VALUE_MAX];
	uint16_t value_len, read_len;
	uint16_t disc_end;
	bool busy_disc, busy_read, busy_write, subscribed;
};

/* The shell is a program, not the stack: its one instance may be a global. */
static struct shell_gatt g;

static int parse_u16(const char *s, uint16_t *v)
{
	if (!s) {
		return -EINVAL;
	}
	char *end;
	unsigned long x = strtoul(s, &end, 0);
	if (*end || x > 0xffff) {
		return -EINVAL;
	}
	*v = (uint16_t)x;
	return 0;
}

static int parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n % 2 || n / 2 > max) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;
		out[i] = (uint8_t)strtoul(byte, &end, 16);
		if (*end) {
			return -EINVAL;
		}
	}
	return (int)(n / 2);
}

static void print_value(const char *what, uint16_t handle, const uint8_t *v, uint16_t len)
{
	char hex[2 * 64 + 4];
	size_t shown = len > 64 ? 64 : len;
	for (size_t i = 0; i < shown; i++) {
		static const char digits[] = "0123456789abcdef";
		hex[2 * i] = digits[v[i] >> 4];
		hex[2 * i + 1] = digits[v[i] & 15];
	}
	strcpy(hex + 2 * shown, len > shown ? "..." : "");
	g.env->out("gatt: %s handle 0x%04x, %u bytes: %s", what, handle, len, hex);
}

static void mtu_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)params;
	g.env->out("gatt: MTU %u (err 0x%02x)", bt_gatt_get_mtu(conn), err);
}

static uint8_t discovered(struct bt_conn *conn, const struct bt_gatt_attr *attr, struct bt_gatt_discover_params *p)
{
	char uuid[BT_UUID_STR_LEN];
	if (!attr) {
		/* Next stage: characteristics, then descriptors (CCCDs). */
		if (p->type == BT_GATT_DISCOVER_PRIMARY || p->type == BT_GATT_DISCOVER_CHARACTERISTIC) {
			p->type = p->type == BT_GATT_DISCOVER_PRIMARY ? BT_GATT_DISCOVER_CHARACTERISTIC
								    : BT_GATT_DISCOVER_DESCRIPTOR;
			p->start_handle = 0x0001;
			p->end_handle = 0xffff;
			p->uuid = p->type == BT_GATT_DISCOVER_DESCRIPTOR ? BT_UUID_GATT_CCC : NULL;
			if (bt_gatt_discover(conn, p) == 0) {
				return BT_GATT_ITER_STOP;
			}
		}
		g.busy_disc = false;
		g.env->out("gatt: discovery complete");
		return BT_GATT_ITER_STOP;
	}
	if (p->type == BT_GATT_DISCOVER_PRIMARY) {
		const struct bt_gatt_service_val *sv = attr->user_data;
		bt_uuid_to_str(sv->uuid, uuid, sizeof(uuid));
		g.env->out("gatt: service %s handles 0x%04x..0x%04x", uuid, attr->handle, sv->end_handle);
	} else if (p->type == BT_GATT_DISCOVER_CHARACTERISTIC) {
		const struct bt_gatt_chrc *c = attr->user_data;
		bt_uuid_to_str(c->uuid, uuid, sizeof(uuid));
		g.env->out("gatt:   characteristic %s value 0x%04x properties 0x%02x", uuid, c->value_handle,
			   c->properties);
	} else {
		g.env->out("gatt:   CCCD 0x%04x", attr->handle);
	}
	return BT_GATT_ITER_CONTINUE;
}

static uint8_t read_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *p, const void *data,
			 uint16_t len)
{
	(void)conn;
	if (err || !data) {
		if (err) {
			g.env->out("gatt: read failed: ATT error 0x%02x", err);
		} else {
			print_value("read", p->single.handle, g.value, g.read_len);
		}
		g.busy_read = false;
		return BT_GATT_ITER_STOP;
	}
	uint16_t n = (uint16_t)MIN((size_t)len, sizeof(g.value) - g.read_len);
	memcpy(g.value + g.read_len, data, n);
	g.read_len = (uint16_t)(g.read_len + n);
	return BT_GATT_ITER_CONTINUE;
}

static void write_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *p)
{
	(void)conn;
	g.busy_write = false;
	g.env->out("gatt: write of %u bytes to 0x%04x: %s (0x%02x)", p->length, p->handle, err ? "failed" : "done",
		   err);
}

static uint8_t on_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *p, const void *data, uint16_t len)
{
	(void)conn;
	if (!data) {
		g.subscribed = false;
		g.env->out("gatt: unsubscribed from 0x%04x", p->value_handle);
		return BT_GATT_ITER_STOP;
	}
	print_value("notification/indication", p->value_handle, data, len);
	return BT_GATT_ITER_CONTINUE;
}

static void on_subscribe(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *p)
{
	(void)conn;
	g.env->out("gatt: CCCD 0x%04x written: 0x%02x", p->ccc_handle, err);
}

/* ---- the server ---- */

static ssize_t srv_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, g.value, g.value_len);
}

static ssize_t srv_write(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			 uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	(void)flags;
	if ((size_t)offset + len > sizeof(g.value)) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	memcpy(g.value + offset, buf, len);
	g.value_len = (uint16_t)(offset + len);
	print_value("written by a client:", attr->handle, g.value, g.value_len);
	return len;
}

static void srv_ccc(const struct bt_gatt_attr *attr, uint16_t value)
{
	(void)attr;
	g.env->out("gatt: a client set the CCCD to 0x%04x", value);
}

static struct bt_gatt_attr srv_attrs[] = {
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xfff0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfff1),
			       BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_WRITE_WITHOUT_RESP,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, srv_read, srv_write,
			       NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfff2), BT_GATT_CHRC_NOTIFY | BT_GATT_CHRC_INDICATE,
			       BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(srv_ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};

static struct bt_gatt_service srv_svc = BT_GATT_SERVICE(srv_attrs);

static void indicated(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	g.env->out("gatt: indication %s (0x%02x)", err ? "failed" : "confirmed", err);
}

void shell_gatt_usage(const struct shell_gatt_env *env)
{
	env->out("gatt mtu|discover IDX, gatt read IDX H, gatt write|write-cmd IDX H HEX, "
		 "gatt subscribe IDX H CCC [notify|indicate], gatt unsubscribe IDX, gatt server, "
		 "gatt notify|indicate HEX");
}

static int client_cmd(const char *sub, struct bt_conn *conn, int argc, char **argv)
{
	uint16_t h = 0, ccc = 0;
	if (!strcmp(sub, "mtu")) {
		g.mtu.func = mtu_done;
		return bt_gatt_exchange_mtu(conn, &g.mtu);
	}
	if (!strcmp(sub, "discover")) {
		if (g.busy_disc) {
			return -EBUSY;
		}
		g.disc = (struct bt_gatt_discover_params){ .func = discovered, .type = BT_GATT_DISCOVER_PRIMARY };
		g.disc.start_handle = 0x0001;
		g.disc.end_handle = 0xffff;
		int err = bt_gatt_discover(conn, &g.disc);
		g.busy_disc = err == 0;
		return err;
	}
	if (!strcmp(sub, "unsubscribe")) {
		return g.subscribed ? bt_gatt_unsubscribe(conn, &g.sub) : -EALREADY;
	}
	if (argc < 3 || parse_u16(argv[2], &h)) {
		return -EINVAL;
	}
	if (!strcmp(sub, "read")) {
		if (g.busy_read) {
			return -EBUSY;
		}
		g.read = (struct bt_gatt_read_params){ .func = read_done, .handle_count = 1 };
		g.read.single.handle = h;
		g.read_len = 0;
		int err = bt_gatt_read(conn, &g.read);
		g.busy_read = err == 0;
		return err;
	}
	if (!strcmp(sub, "write") || !strcmp(sub, "write-cmd")) {
		int n = argc >= 4 ? parse_hex(argv[3], g.write_buf, sizeof(g.write_buf)) : -EINVAL;
		if (n < 0) {
			return n;
		}
		if (!strcmp(sub, "write-cmd")) {
			return bt_gatt_write_without_response(conn, h, g.write_buf, (uint16_t)n, false);
		}
		if (g.busy_write) {
			return -EBUSY;
		}
		g.write = (struct bt_gatt_write_params){ .func = write_done, .handle = h, .data = g.write_buf,
							 .length = (uint16_t)n };
		int err = bt_gatt_write(conn, &g.write);
		g.busy_write = err == 0;
		return err;
	}
	if (!strcmp(sub, "subscribe")) {
		if (argc < 4 || parse_u16(argv[3], &ccc) || g.subscribed) {
			return g.subscribed ? -EALREADY : -EINVAL;
		}
		bool ind = argc >= 5 && !strcmp(argv[4], "indicate");
		g.sub = (struct bt_gatt_subscribe_params){ .notify = on_notify, .subscribe = on_subscribe };
		g.sub.value_handle = h;
		g.sub.ccc_handle = ccc;
		g.sub.value = ind ? BT_GATT_CCC_INDICATE : BT_GATT_CCC_NOTIFY;
		int err = bt_gatt_subscribe(conn, &g.sub);
		g.subscribed = err == 0;
		return err;
	}
	return -EINVAL;
}

int shell_gatt(const struct shell_gatt_env *env, int argc, char **argv)
{
	g.env = env;
	if (argc < 1) {
		return -EINVAL;
	}
	const char *sub = argv[0];
	if (!strcmp(sub, "server")) {
		return bt_gatt_service_register(&srv_svc);
	}
	if (!strcmp(sub, "notify") || !strcmp(sub, "indicate")) {
		int n = argc >= 2 ? parse_hex(argv[1], g.notify_buf, sizeof(g.notify_buf)) : -EINVAL;
		if (n < 0) {
			return n;
		}
		if (!strcmp(sub, "notify")) {
			return bt_gatt_notify(NULL, &srv_attrs[4], g.notify_buf, (uint16_t)n);
		}
		g.ind = (struct bt_gatt_indicate_params){ .attr = &srv_attrs[4], .func = indicated,
							  .data = g.notify_buf, .len = (uint16_t)n };
		return bt_gatt_indicate(NULL, &g.ind);
	}
	uint16_t idx;
	if (argc < 2 || parse_u16(argv[1], &idx)) {
		return -EINVAL;
	}
	struct bt_conn *conn = env->conn(idx);
	if (!conn) {
		return -ENOTCONN;
	}
	return client_cmd(sub, conn, argc, argv);
}
