#include <string.h>

#include <zephyr/bluetooth/addr.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/util.h>
#include <zephyr/sys/byteorder.h>

#include "fake_ctrl.h"

static void deliver(struct fake_ctrl *c, const uint8_t *pkt, size_t len)
{
	if (c->delay.capturing) {
		if (c->delay.n_held < 2 && len <= sizeof(c->delay.held[0])) {
			memcpy(c->delay.held[c->delay.n_held], pkt, len);
			c->delay.held_len[c->delay.n_held++] = len;
		}
		return;
	}
	if (c->open && c->recv) {
		c->recv(c->recv_ctx, pkt, len);
	}
}

void fake_ctrl_raw(struct fake_ctrl *c, const uint8_t *pkt, size_t len)
{
	deliver(c, pkt, len);
}

void fake_ctrl_event(struct fake_ctrl *c, uint8_t code, const uint8_t *params, uint8_t len)
{
	uint8_t pkt[3 + 255];
	pkt[0] = ZBLE_H4_EVT;
	pkt[1] = code;
	pkt[2] = len;
	if (len) {
		memcpy(pkt + 3, params, len);
	}
	deliver(c, pkt, 3u + len);
}

static void cmd_complete(struct fake_ctrl *c, uint16_t opcode, uint8_t status, const uint8_t *rp, uint8_t rp_len)
{
	uint8_t p[4 + 64];
	p[0] = 1;
	sys_put_le16(opcode, p + 1);
	p[3] = status;
	if (rp_len) {
		memcpy(p + 4, rp, rp_len);
	}
	fake_ctrl_event(c, BT_HCI_EVT_CMD_COMPLETE, p, (uint8_t)(4 + rp_len));
}

static void cmd_status(struct fake_ctrl *c, uint16_t opcode, uint8_t status)
{
	uint8_t p[4] = { status, 1 };
	sys_put_le16(opcode, p + 2);
	fake_ctrl_event(c, BT_HCI_EVT_CMD_STATUS, p, 4);
}

void fake_ctrl_cmd_complete(struct fake_ctrl *c, uint8_t ncmd, uint16_t opcode, uint8_t status)
{
	uint8_t p[4] = { ncmd };
	sys_put_le16(opcode, p + 1);
	p[3] = status;
	/* A NOP carries no status. */
	fake_ctrl_event(c, BT_HCI_EVT_CMD_COMPLETE, p, opcode ? 4 : 3);
}

void fake_ctrl_cmd_status(struct fake_ctrl *c, uint8_t ncmd, uint16_t opcode, uint8_t status)
{
	uint8_t p[4] = { status, ncmd };
	sys_put_le16(opcode, p + 2);
	fake_ctrl_event(c, BT_HCI_EVT_CMD_STATUS, p, 4);
}

static void delay_expired(struct k_timer *t)
{
	struct fake_ctrl *c = CONTAINER_OF(t, struct fake_ctrl, delay.timer);
	for (int i = 0; i < c->delay.n_held; i++) {
		deliver(c, c->delay.held[i], c->delay.held_len[i]);
	}
	c->delay.n_held = 0;
}

void fake_ctrl_delay_answer(struct fake_ctrl *c, uint16_t opcode, uint32_t ms, bool stray, bool stray_is_status,
			    uint16_t stray_opcode)
{
	if (!c->delay.timer_ready) {
		k_timer_init(&c->delay.timer, delay_expired, NULL);
		c->delay.timer_ready = true;
	}
	c->delay.opcode = opcode;
	c->delay.ms = ms;
	c->delay.stray = stray;
	c->delay.stray_is_status = stray_is_status;
	c->delay.stray_opcode = stray_opcode;
	c->delay.n_held = 0;
	c->delay.armed = true;
}

void fake_ctrl_conn_complete(struct fake_ctrl *c, bool enhanced, uint8_t status, uint16_t handle, uint8_t role,
			     const uint8_t peer[6])
{
	uint8_t p[31] = { enhanced ? BT_HCI_EVT_LE_ENH_CONN_COMPLETE : BT_HCI_EVT_LE_CONN_COMPLETE, status };
	sys_put_le16(handle, p + 2);
	p[4] = role;
	p[5] = BT_ADDR_LE_PUBLIC;
	memcpy(p + 6, peer, 6);
	uint8_t *t = p + (enhanced ? 24 : 12);
	sys_put_le16(0x28, t);
	sys_put_le16(0, t + 2);
	sys_put_le16(c->conn_timeout ? c->conn_timeout : 400, t + 4);
	t[6] = 0;
	fake_ctrl_event(c, BT_HCI_EVT_LE_META_EVENT, p, enhanced ? 31 : 19);
}

void fake_ctrl_disconn_complete(struct fake_ctrl *c, uint16_t handle, uint8_t reason)
{
	uint8_t p[4] = { 0 };
	sys_put_le16(handle, p + 1);
	p[3] = reason;
	fake_ctrl_event(c, BT_HCI_EVT_DISCONN_COMPLETE, p, 4);
}

void fake_ctrl_set_terminated(struct fake_ctrl *c, uint8_t status, uint8_t adv_handle, uint16_t conn_handle,
			      uint8_t num_events)
{
	uint8_t p[6] = { BT_HCI_EVT_LE_ADV_SET_TERMINATED, status, adv_handle };
	sys_put_le16(conn_handle, p + 3);
	p[5] = num_events;
	fake_ctrl_event(c, BT_HCI_EVT_LE_META_EVENT, p, sizeof(p));
}

void fake_ctrl_ext_report(struct fake_ctrl *c, uint16_t evt_type, const uint8_t addr[6], const uint8_t *data,
			  uint8_t len)
{
	uint8_t p[2 + 24 + 200] = { BT_HCI_EVT_LE_EXT_ADVERTISING_REPORT, 1 };
	uint8_t *r = p + 2;
	sys_put_le16(evt_type, r);
	r[2] = BT_ADDR_LE_PUBLIC;
	memcpy(r + 3, addr, 6);
	r[9] = 1;     /* primary PHY 1M */
	r[10] = 0;    /* no secondary */
	r[11] = 0xff; /* no SID */
	r[12] = 0x7f; /* TX power n/a */
	r[13] = (uint8_t)-50;
	r[23] = len;
	memcpy(r + 24, data, len);
	fake_ctrl_event(c, BT_HCI_EVT_LE_META_EVENT, p, (uint8_t)(2 + 24 + len));
}

int fake_ctrl_find(const struct fake_ctrl *c, uint16_t opcode, int n)
{
	for (int i = 0; i < c->n_log; i++) {
		if (c->log[i] == opcode && n-- == 0) {
			return i;
		}
	}
	return -1;
}

int fake_ctrl_count(const struct fake_ctrl *c, uint16_t opcode)
{
	int n = 0;
	for (int i = 0; i < c->n_log; i++) {
		n += c->log[i] == opcode;
	}
	return n;
}

static int fake_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *ctx)
{
	struct fake_ctrl *c = (struct fake_ctrl *)drv;
	c->recv = recv;
	c->recv_ctx = ctx;
	c->open = true;
	return 0;
}

static void fake_close(struct zble_hci_driver *drv)
{
	((struct fake_ctrl *)drv)->open = false;
}

void fake_ctrl_nocp(struct fake_ctrl *c, uint16_t handle, uint16_t count)
{
	uint8_t p[5] = { 1 };
	sys_put_le16(handle, p + 1);
	sys_put_le16(count, p + 3);
	fake_ctrl_event(c, BT_HCI_EVT_NUM_COMPLETED_PACKETS, p, sizeof(p));
}

void fake_ctrl_acl(struct fake_ctrl *c, uint16_t handle, uint8_t pb, const uint8_t *data, uint16_t len)
{
	uint8_t pkt[5 + 512];
	pkt[0] = ZBLE_H4_ACL;
	sys_put_le16((uint16_t)(handle | (pb << 12)), pkt + 1);
	sys_put_le16(len, pkt + 3);
	memcpy(pkt + 5, data, len);
	deliver(c, pkt, 5u + len);
}

static int fake_answer(struct fake_ctrl *c, const uint8_t *pkt, size_t len);

static int fake_send(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len)
{
	struct fake_ctrl *c = (struct fake_ctrl *)drv;
	if (len >= 4 && pkt[0] == ZBLE_H4_CMD && c->delay.armed && sys_get_le16(pkt + 1) == c->delay.opcode) {
		c->delay.armed = false;
		if (c->delay.stray) {
			if (c->delay.stray_is_status) {
				fake_ctrl_cmd_status(c, 1, c->delay.stray_opcode, 0);
			} else {
				fake_ctrl_cmd_complete(c, 1, c->delay.stray_opcode, 0);
			}
		}
		c->delay.capturing = true;
		int err = fake_answer(c, pkt, len);
		c->delay.capturing = false;
		k_timer_start(&c->delay.timer, K_MSEC(c->delay.ms), K_NO_WAIT);
		return err;
	}
	return fake_answer(c, pkt, len);
}

static int fake_answer(struct fake_ctrl *c, const uint8_t *pkt, size_t len)
{
	if (len >= 5 && pkt[0] == ZBLE_H4_ACL && c->n_acl < 64) {
		c->acl_hdr[c->n_acl] = sys_get_le16(pkt + 1);
		c->acl_len[c->n_acl] = sys_get_le16(pkt + 3);
		c->n_acl++;
		if (c->acl_bytes + len - 5 <= sizeof(c->acl_data)) {
			memcpy(c->acl_data + c->acl_bytes, pkt + 5, len - 5);
			c->acl_bytes += len - 5;
		}
		return 0;
	}
	if (len < 4 || pkt[0] != ZBLE_H4_CMD || (size_t)pkt[3] + 4 != len) {
		return 0; /* garbage: swallowed */
	}
	uint16_t op = sys_get_le16(pkt + 1);
	if (c->n_log < FAKE_MAX_LOG) {
		c->log[c->n_log++] = op;
	}
	c->last_len = pkt[3];
	memcpy(c->last_params, pkt + 4, c->last_len);
	for (int i = 0; i < c->n_rules; i++) {
		if (c->rules[i].opcode == op) {
			if (c->rules[i].action == FAKE_STATUS) {
				if (op == BT_HCI_OP_LE_CREATE_CONN || op == BT_HCI_OP_LE_EXT_CREATE_CONN ||
				    op == BT_HCI_OP_DISCONNECT) {
					cmd_status(c, op, c->rules[i].status);
				} else {
					cmd_complete(c, op, c->rules[i].status, NULL, 0);
				}
			}
			return 0;
		}
	}

	uint8_t rp[64] = { 0 };
	switch (op) {
	case BT_HCI_OP_READ_LOCAL_VERSION_INFO:
		rp[0] = BT_HCI_VERSION_5_0;
		sys_put_le16(0x05f1, rp + 4);
		cmd_complete(c, op, 0, rp, 8);
		break;
	case BT_HCI_OP_READ_SUPPORTED_COMMANDS:
		memset(rp, 0xff, 64);
		rp[41] &= (uint8_t)~BIT(5); /* no LE Read Buffer Size v2 */
		if (!c->page2_listed) {
			rp[22] &= (uint8_t)~BIT(2);
		}
		cmd_complete(c, op, 0, rp, 64);
		break;
	case BT_HCI_OP_READ_LOCAL_FEATURES:
		rp[4] = 0x60; /* LE supported, no BR/EDR */
		cmd_complete(c, op, 0, rp, 8);
		break;
	case BT_HCI_OP_LE_READ_LOCAL_FEATURES:
		rp[0] = c->le_features0;
		rp[1] = c->le_features1;
		cmd_complete(c, op, 0, rp, 8);
		break;
	case BT_HCI_OP_LE_READ_BUFFER_SIZE:
		sys_put_le16(c->acl_mtu, rp);
		rp[2] = c->acl_pkts;
		cmd_complete(c, op, 0, rp, 3);
		break;
	case BT_HCI_OP_READ_BD_ADDR:
		cmd_complete(c, op, 0, c->bd_addr, 6);
		break;
	case BT_HCI_OP_LE_RAND:
		for (int i = 0; i < 8; i++) {
			rp[i] = (uint8_t)(0x11 * (i + 1));
		}
		cmd_complete(c, op, 0, rp, 8);
		break;
	case BT_HCI_OP_LE_CREATE_CONN:
	case BT_HCI_OP_LE_EXT_CREATE_CONN:
		cmd_status(c, op, 0);
		break;
	case BT_HCI_OP_LE_SET_EXT_ADV_PARAM:
		rp[0] = 5; /* selected TX power */
		cmd_complete(c, op, 0, rp, 1);
		break;
	case BT_HCI_OP_LE_CREATE_CONN_CANCEL: {
		cmd_complete(c, op, 0, NULL, 0);
		static const uint8_t none[6];
		fake_ctrl_conn_complete(c, false, BT_HCI_ERR_UNKNOWN_CONN_ID, 0, BT_HCI_ROLE_CENTRAL, none);
		break;
	}
	case BT_HCI_OP_DISCONNECT:
		cmd_status(c, op, 0);
		fake_ctrl_disconn_complete(c, sys_get_le16(pkt + 4), BT_HCI_ERR_LOCALHOST_TERM_CONN);
		break;
	default:
		cmd_complete(c, op, 0, NULL, 0);
		break;
	}
	return 0;
}

void fake_ctrl_init(struct fake_ctrl *c)
{
	memset(c, 0, sizeof(*c));
	c->drv.name = "fake";
	c->drv.open = fake_open;
	c->drv.send = fake_send;
	c->drv.close = fake_close;
	static const uint8_t addr[6] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	memcpy(c->bd_addr, addr, 6);
	c->le_features0 = 0x01;
	c->acl_mtu = 27;
	c->acl_pkts = 4;
}

void fake_ctrl_rule(struct fake_ctrl *c, uint16_t opcode, enum fake_action action, uint8_t status)
{
	if (c->n_rules < FAKE_MAX_RULES) {
		c->rules[c->n_rules++] = (struct fake_rule){ opcode, action, status };
	}
}
