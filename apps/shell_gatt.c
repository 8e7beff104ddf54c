/* zble-shell's GATT commands: a client for any peer and a small server.
 *
 *   gatt mtu IDX                       exchange the MTU
 *   gatt discover IDX                  services, characteristics, CCCDs
 *   gatt read IDX HANDLE               read (long values in full)
 *   gatt write IDX HANDLE HEX          write request (long: prepared)
 *   gatt write-cmd IDX HANDLE HEX      write without response
 *   gatt subscribe IDX HANDLE CCC [notify|indicate]   (several at once)
 *   gatt unsubscribe IDX [HANDLE]      one subscription, or all of the link
 *   gatt server                        register a service: 0xfff1 read/write
 *                                      (prepared writes too), 0xfff2 and
 *                                      0xfff3 notify/indicate (+ CCCDs)
 *   gatt notify|indicate HEX [fff2|fff3]   to every subscriber
 *
 * Results arrive as lines when the peer answers; the shell never waits.
 * One discovery, read and write at a time (their parameters live here),
 * up to SUBS_MAX subscriptions. Everything handed to the stack is static:
 * it must outlive the call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>

#include "shell_gatt.h"

#define VALUE_MAX 512
#define SUBS_MAX 8

struct shell_sub {
	struct bt_gatt_subscribe_params p;
	struct bt_conn *conn; /* borrowed: the slot is freed before the link goes */
	bool used;
};

struct shell_gatt {
	const struct shell_env *env;
	struct bt_gatt_exchange_params mtu;
	struct bt_gatt_discover_params disc;
	struct bt_gatt_read_params read;
	struct bt_gatt_write_params write;
	struct shell_sub subs[SUBS_MAX];
	struct bt_gatt_indicate_params ind;
	uint8_t write_buf[VALUE_MAX], cmd_buf[VALUE_MAX], notify_buf[VALUE_MAX], ind_buf[VALUE_MAX];
	uint8_t read_buf[VALUE_MAX];
	uint16_t read_len;
	uint8_t srv_value[VALUE_MAX]; /* the server's 0xfff1 */
	uint16_t srv_len;
	bool busy_disc, busy_read, busy_write, busy_ind;
};

/* The shell is a program, not the stack: its one instance may be a global. */
static struct shell_gatt g;

/* Not BT_UUID_GATT_CCC: that is a compound literal, dead once the function
 * that names it returns, and discovery goes on long after. */
static const struct bt_uuid_16 ccc_uuid = BT_UUID_INIT_16(BT_UUID_GATT_CCC_VAL);

static void print_value(const char *what, uint16_t handle, const uint8_t *v, uint16_t len)
{
	char hex[2 * 64 + 4];
	shell_hex(hex, v, len);
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
			p->uuid = p->type == BT_GATT_DISCOVER_DESCRIPTOR ? &ccc_uuid.uuid : NULL;
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
			print_value("read", p->single.handle, g.read_buf, g.read_len);
		}
		g.busy_read = false;
		return BT_GATT_ITER_STOP;
	}
	uint16_t n = (uint16_t)MIN((size_t)len, sizeof(g.read_buf) - g.read_len);
	memcpy(g.read_buf + g.read_len, data, n);
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
	struct shell_sub *s = CONTAINER_OF(p, struct shell_sub, p);
	if (!data) {
		s->used = false;
		g.env->out("gatt: unsubscribed from 0x%04x", p->value_handle);
		return BT_GATT_ITER_STOP;
	}
	print_value("notification/indication", p->value_handle, data, len);
	return BT_GATT_ITER_CONTINUE;
}

static void on_subscribe(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *p)
{
	(void)conn;
	g.env->out("gatt: CCCD 0x%04x of 0x%04x written: 0x%02x", p->ccc_handle, p->value_handle, err);
}

static int subscribe(struct bt_conn *conn, uint16_t value_handle, uint16_t ccc, bool indicate)
{
	struct shell_sub *free_slot = NULL;
	for (int i = 0; i < SUBS_MAX; i++) {
		struct shell_sub *s = &g.subs[i];
		if (s->used && s->conn == conn && s->p.value_handle == value_handle) {
			return -EALREADY;
		}
		if (!s->used && !free_slot) {
			free_slot = s;
		}
	}
	if (!free_slot) {
		return -ENOMEM;
	}
	free_slot->p = (struct bt_gatt_subscribe_params){ .notify = on_notify, .subscribe = on_subscribe };
	free_slot->p.value_handle = value_handle;
	free_slot->p.ccc_handle = ccc;
	free_slot->p.value = indicate ? BT_GATT_CCC_INDICATE : BT_GATT_CCC_NOTIFY;
	int err = bt_gatt_subscribe(conn, &free_slot->p);
	if (!err) {
		free_slot->used = true;
		free_slot->conn = conn;
	}
	return err;
}

/* handle 0: every subscription of the link. */
static int unsubscribe(struct bt_conn *conn, uint16_t value_handle)
{
	int err = -EALREADY;
	for (int i = 0; i < SUBS_MAX; i++) {
		struct shell_sub *s = &g.subs[i];
		if (s->used && s->conn == conn && (!value_handle || s->p.value_handle == value_handle)) {
			err = bt_gatt_unsubscribe(conn, &s->p);
			if (err) {
				return err;
			}
		}
	}
	return err;
}

/* ---- the server ---- */

static ssize_t srv_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, g.srv_value, g.srv_len);
}

static ssize_t srv_write(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			 uint16_t offset, uint8_t flags)
{
	(void)conn;
	if ((size_t)offset + len > sizeof(g.srv_value)) {
		return BT_GATT_ERR(offset > sizeof(g.srv_value) ? BT_ATT_ERR_INVALID_OFFSET
								 : BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	/* A part of a prepared write is only checked: the value changes when
	 * the client executes the queue, never when it cancels it. */
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		return 0;
	}
	if (offset > g.srv_len) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	memcpy(g.srv_value + offset, buf, len);
	g.srv_len = (uint16_t)(offset + len);
	print_value("written by a client:", attr->handle, g.srv_value, g.srv_len);
	return len;
}

static void srv_ccc(const struct bt_gatt_attr *attr, uint16_t value)
{
	g.env->out("gatt: a client set the CCCD 0x%04x to 0x%04x", attr ? attr->handle : 0, value);
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
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfff3), BT_GATT_CHRC_NOTIFY | BT_GATT_CHRC_INDICATE,
			       BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(srv_ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};
#define SRV_FFF2 4 /* value attributes in srv_attrs */
#define SRV_FFF3 7

static struct bt_gatt_service srv_svc = BT_GATT_SERVICE(srv_attrs);

static void indicated(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	g.env->out("gatt: indication %s (0x%02x)", err ? "failed" : "confirmed", err);
}

static void indicate_destroy(struct bt_gatt_indicate_params *params)
{
	(void)params;
	g.busy_ind = false;
}

static int server_push(const char *sub, int argc, char **argv)
{
	bool notify = !strcmp(sub, "notify");
	if (!notify && g.busy_ind) {
		return -EBUSY; /* ind_buf is the running indication's */
	}
	uint8_t *buf = notify ? g.notify_buf : g.ind_buf;
	int n = argc >= 2 ? shell_parse_hex(argv[1], buf, VALUE_MAX) : -EINVAL;
	if (n < 0) {
		return n;
	}
	const struct bt_gatt_attr *attr = &srv_attrs[SRV_FFF2];
	if (argc >= 3 && !strcmp(argv[2], "fff3")) {
		attr = &srv_attrs[SRV_FFF3];
	} else if (argc >= 3 && strcmp(argv[2], "fff2")) {
		return -EINVAL;
	}
	if (notify) {
		return bt_gatt_notify(NULL, attr, buf, (uint16_t)n);
	}
	g.ind = (struct bt_gatt_indicate_params){ .attr = attr, .func = indicated, .destroy = indicate_destroy,
						  .data = buf, .len = (uint16_t)n };
	g.busy_ind = true; /* before: destroy may run before the call returns */
	int err = bt_gatt_indicate(NULL, &g.ind);
	if (err) {
		g.busy_ind = false;
	}
	return err;
}

void shell_gatt_usage(const struct shell_env *env)
{
	env->out("gatt mtu|discover IDX, gatt read IDX H, gatt write|write-cmd IDX H HEX, "
		 "gatt subscribe IDX H CCC [notify|indicate], gatt unsubscribe IDX [H], gatt server, "
		 "gatt notify|indicate HEX [fff2|fff3]");
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
		if (argc >= 3 && shell_parse_u16(argv[2], &h)) {
			return -EINVAL;
		}
		return unsubscribe(conn, h);
	}
	if (argc < 3 || shell_parse_u16(argv[2], &h)) {
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
		bool cmd = !strcmp(sub, "write-cmd");
		if (!cmd && g.busy_write) {
			return -EBUSY; /* write_buf is the running write's */
		}
		uint8_t *buf = cmd ? g.cmd_buf : g.write_buf;
		int n = argc >= 4 ? shell_parse_hex(argv[3], buf, VALUE_MAX) : -EINVAL;
		if (n < 0) {
			return n;
		}
		if (cmd) {
			return bt_gatt_write_without_response(conn, h, buf, (uint16_t)n, false);
		}
		g.write = (struct bt_gatt_write_params){ .func = write_done, .handle = h, .data = g.write_buf,
							 .length = (uint16_t)n };
		int err = bt_gatt_write(conn, &g.write);
		g.busy_write = err == 0;
		return err;
	}
	if (!strcmp(sub, "subscribe")) {
		if (argc < 4 || shell_parse_u16(argv[3], &ccc)) {
			return -EINVAL;
		}
		if (argc >= 5 && strcmp(argv[4], "indicate") && strcmp(argv[4], "notify")) {
			return -EINVAL;
		}
		return subscribe(conn, h, ccc, argc >= 5 && !strcmp(argv[4], "indicate"));
	}
	return -EINVAL;
}

int shell_gatt(const struct shell_env *env, int argc, char **argv)
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
		return server_push(sub, argc, argv);
	}
	uint16_t idx;
	if (argc < 2 || shell_parse_u16(argv[1], &idx)) {
		return -EINVAL;
	}
	struct bt_conn *conn = env->conn(idx);
	if (!conn) {
		return -ENOTCONN;
	}
	return client_cmd(sub, conn, argc, argv);
}
