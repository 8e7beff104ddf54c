#include "mp_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	[1] = "central_connect", [2] = "central_disconnect", [3] = "gatts_write", [4] = "gatts_read_request",
	[5] = "scan_result", [6] = "scan_done", [7] = "peripheral_connect", [8] = "peripheral_disconnect",
	[9] = "gattc_service_result", [10] = "gattc_service_done", [11] = "gattc_characteristic_result",
	[12] = "gattc_characteristic_done", [13] = "gattc_descriptor_result", [14] = "gattc_descriptor_done",
	[15] = "gattc_read_result", [16] = "gattc_read_done", [17] = "gattc_write_done", [18] = "gattc_notify",
	[19] = "gattc_indicate", [20] = "gatts_indicate_done", [21] = "mtu_exchanged", [22] = "l2cap_accept",
	[23] = "l2cap_connect", [24] = "l2cap_disconnect", [25] = "l2cap_recv", [26] = "l2cap_send_ready",
	[27] = "connection_update", [28] = "encryption_update", [29] = "get_secret", [30] = "set_secret",
	[31] = "passkey_action",
};

void mpt_addr_str(const uint8_t a[6], char *out)
{
	sprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

struct zble_mp_uuid mpt_uuid16(uint16_t v)
{
	struct zble_mp_uuid u = { .type = 2 };
	u.data[0] = (uint8_t)v;
	u.data[1] = (uint8_t)(v >> 8);
	return u;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	out[0] = 0;
	for (size_t i = 0; i < n && i < 128; i++) {
		sprintf(out + 2 * i, "%02x", p[i]);
	}
	if (n > 128) {
		strcat(out, "..");
	}
}

static void uuid_str(const struct zble_mp_uuid *u, char *out)
{
	if (u->type == 2) {
		sprintf(out, "UUID(0x%04x)", u->data[0] | u->data[1] << 8);
		return;
	}
	strcpy(out, "UUID(");
	for (int i = u->type - 1; i >= 0; i--) {
		sprintf(out + strlen(out), "%02x", u->data[i]);
	}
	strcat(out, ")");
}

static void format(const struct zble_mp_event *ev, char *s)
{
	char a[20], d[280], u[48];
	mpt_addr_str(ev->addr, a);
	hex(d, ev->data, ev->data_len);
	uuid_str(&ev->uuid, u);
	const char *n = ev->code < sizeof(names) / sizeof(names[0]) && names[ev->code] ? names[ev->code] : "?";
	switch (ev->code) {
	case 1: case 2: case 7: case 8:
		sprintf(s, "%s %u %u %s", n, ev->conn_handle, ev->addr_type, a);
		break;
	case 3: case 4:
		sprintf(s, "%s %u %u", n, ev->conn_handle, ev->handle);
		break;
	case 5:
		sprintf(s, "%s %u %s %u %s", n, ev->addr_type, a, ev->adv_type, d);
		break;
	case 6:
		sprintf(s, "%s", n);
		break;
	case 9:
		sprintf(s, "%s %u %u %u %s", n, ev->conn_handle, ev->handle, ev->end_handle, u);
		break;
	case 11:
		sprintf(s, "%s %u %u %u %u %s", n, ev->conn_handle, ev->end_handle, ev->handle, ev->properties, u);
		break;
	case 13:
		sprintf(s, "%s %u %u %s", n, ev->conn_handle, ev->handle, u);
		break;
	case 10: case 12: case 14:
		sprintf(s, "%s %u %u", n, ev->conn_handle, ev->status);
		break;
	case 15: case 18: case 19:
		sprintf(s, "%s %u %u %s", n, ev->conn_handle, ev->handle, d);
		break;
	case 16: case 17: case 20:
		sprintf(s, "%s %u %u %u", n, ev->conn_handle, ev->handle, ev->status);
		break;
	case 21:
		sprintf(s, "%s %u %u", n, ev->conn_handle, ev->mtu);
		break;
	case 22: case 23:
		sprintf(s, "%s %u %u %u %u %u", n, ev->conn_handle, ev->cid, ev->psm, ev->our_mtu, ev->peer_mtu);
		break;
	case 24:
		sprintf(s, "%s %u %u %u %u", n, ev->conn_handle, ev->cid, ev->psm, ev->status);
		break;
	case 25:
		sprintf(s, "%s %u %u", n, ev->conn_handle, ev->cid);
		break;
	case 26:
		sprintf(s, "%s %u %u %u", n, ev->conn_handle, ev->cid, ev->status);
		break;
	case 27:
		sprintf(s, "%s %u %u %u %u %u", n, ev->conn_handle, ev->conn_interval, ev->conn_latency,
			ev->supervision_timeout, ev->status);
		break;
	default:
		sprintf(s, "%s", n);
		break;
	}
}

static int on_irq(void *ctx, struct zble_mp_event *ev)
{
	struct mpt_dev *d = ctx;
	if (d->n < MPT_LINES) {
		format(ev, d->lines[d->n++]);
	}
	return d->hook ? d->hook(d, ev) : 0;
}

static void on_batch(void *ctx, bool begin)
{
	struct mpt_dev *d = ctx;
	if (d->batches && d->n < MPT_LINES) {
		strcpy(d->lines[d->n++], begin ? "batch{" : "}batch");
	}
}

static int on_open(void *ctx, struct zble_host **host)
{
	struct mpt_dev *d = ctx;
	int err = zble_sim_device_add_host(d->dev);
	if (err) {
		return -err;
	}
	d->opens++;
	*host = &d->dev->host;
	return 0;
}

static void on_close(void *ctx, struct zble_host *host)
{
	struct mpt_dev *d = ctx;
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(host->kernel);
	zble_host_deinit(host);
	zble_port_set_current_kernel(prev);
	d->dev->has_host = false;
	d->closes++;
}

struct mpt *mpt_new(uint64_t seed)
{
	struct mpt *t = calloc(1, sizeof(*t));
	zble_sim_init(&t->sim, seed);
	zble_sim_set_stop_time(&t->sim, 3600ull * 1000000);
	const char *nm[MPT_DEVS] = { "p", "c", "q" };
	for (int i = 0; i < MPT_DEVS; i++) {
		struct mpt_dev *d = &t->d[i];
		d->dev = zble_sim_add_device(&t->sim, &(struct zble_sim_device_config){ .name = nm[i] });
		d->port = (struct zble_mp_port){ .open = on_open, .close = on_close, .irq = on_irq, .irq_batch = on_batch };
		zble_mp_init(&d->mp, &d->port, d, d->arena, sizeof(d->arena));
	}
	return t;
}

void mpt_free(struct mpt *t)
{
	for (int i = 0; i < MPT_DEVS; i++) {
		zble_mp_deinit(&t->d[i].mp);
	}
	zble_sim_deinit(&t->sim);
	free(t);
}

void mpt_run(struct mpt *t, uint32_t ms)
{
	(void)zble_sim_run_for(&t->sim, (uint64_t)ms * 1000);
}

int mpt_wait(struct mpt *t, struct mpt_dev *d, const char *prefix, uint32_t ms)
{
	size_t pl = strlen(prefix);
	for (uint32_t waited = 0;; waited++) {
		for (unsigned i = d->cursor; i < d->n; i++) {
			if (!strncmp(d->lines[i], prefix, pl)) {
				d->cursor = i + 1;
				return (int)i;
			}
		}
		if (waited >= ms) {
			return -1;
		}
		mpt_run(t, 1);
	}
}

const char *mpt_take(struct mpt_dev *d, char *buf, size_t size)
{
	buf[0] = 0;
	for (unsigned i = d->cursor; i < d->n; i++) {
		if (strlen(buf) + strlen(d->lines[i]) + 2 < size) {
			strcat(buf, d->lines[i]);
			strcat(buf, "\n");
		}
	}
	d->cursor = d->n;
	return buf;
}
