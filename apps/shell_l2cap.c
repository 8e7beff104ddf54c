/* zble-shell's L2CAP commands: LE credit-based channels, so that a peer
 * (another shell, BlueZ, Zephyr) can exercise them by hand.
 *
 *   l2cap listen PSM                  accept channels to PSM (0x0080..0x00ff)
 *   l2cap connect IDX PSM             open a channel on connection IDX
 *   l2cap send [N] HEX|len:L          one SDU on channel N (default: the
 *                                     first connected): these bytes, or L
 *                                     bytes of the pattern 00 01 02 ...
 *   l2cap disconnect [N]              close channel N (default: the first)
 *   l2cap chans                       list the channels
 *
 * Every SDU received is printed with its length, a 16-bit sum of its bytes
 * and its first bytes in hex. Channels are numbered 0..CHANS_MAX-1 here,
 * for both directions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zephyr/bluetooth/l2cap.h>

#include "shell_l2cap.h"

#define CHANS_MAX 4
#define SERVERS_MAX 2
#define SDU_MTU 1024 /* what we receive, and the largest SDU we send */
#define SDU_BUFS 4

struct shell_chan {
	struct bt_l2cap_le_chan le;
	bool used;
};

struct shell_l2cap {
	const struct shell_env *env;
	struct shell_chan chans[CHANS_MAX];
	struct bt_l2cap_server servers[SERVERS_MAX];
	uint8_t tx_data[SDU_MTU];
};

/* The shell is a program, not the stack: its one instance may be a global. */
static struct shell_l2cap l;

NET_BUF_POOL_DEFINE(shell_sdu_rx_pool, SDU_BUFS, SDU_MTU, 0, NULL);
NET_BUF_POOL_DEFINE(shell_sdu_tx_pool, SDU_BUFS, BT_L2CAP_SDU_BUF_SIZE(SDU_MTU), 0, NULL);

static unsigned chan_index(struct bt_l2cap_chan *chan)
{
	return (unsigned)(CONTAINER_OF(BT_L2CAP_LE_CHAN(chan), struct shell_chan, le) - l.chans);
}

static void ch_connected(struct bt_l2cap_chan *chan)
{
	struct bt_l2cap_le_chan *le = BT_L2CAP_LE_CHAN(chan);
	l.env->out("l2cap: channel %u connected on connection %u: PSM 0x%04x, tx MTU %u MPS %u, rx MTU %u MPS %u",
		   chan_index(chan), chan->conn ? bt_conn_index(chan->conn) : 0u, le->psm, le->tx.mtu, le->tx.mps,
		   le->rx.mtu, le->rx.mps);
}

static void ch_disconnected(struct bt_l2cap_chan *chan)
{
	struct bt_l2cap_le_chan *le = BT_L2CAP_LE_CHAN(chan);
	l.env->out("l2cap: channel %u disconnected (err %d, result 0x%04x)", chan_index(chan), le->err, le->result);
}

static void ch_released(struct bt_l2cap_chan *chan)
{
	CONTAINER_OF(BT_L2CAP_LE_CHAN(chan), struct shell_chan, le)->used = false;
}

static struct net_buf *ch_alloc_buf(struct bt_l2cap_chan *chan)
{
	(void)chan;
	return net_buf_alloc(&shell_sdu_rx_pool, K_NO_WAIT);
}

static int ch_recv(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	uint16_t sum = 0;
	for (uint16_t i = 0; i < buf->len; i++) {
		sum = (uint16_t)(sum + buf->data[i]);
	}
	char hex[2 * 64 + 4];
	shell_hex(hex, buf->data, buf->len);
	l.env->out("l2cap: channel %u received %u bytes, sum 0x%04x: %s", chan_index(chan), buf->len, sum, hex);
	return 0;
}

static void ch_sent(struct bt_l2cap_chan *chan)
{
	l.env->out("l2cap: channel %u sent an SDU", chan_index(chan));
}

static const struct bt_l2cap_chan_ops chan_ops = {
	.connected = ch_connected,
	.disconnected = ch_disconnected,
	.released = ch_released,
	.alloc_buf = ch_alloc_buf,
	.recv = ch_recv,
	.sent = ch_sent,
};

static struct shell_chan *chan_take(void)
{
	for (int i = 0; i < CHANS_MAX; i++) {
		struct shell_chan *c = &l.chans[i];
		if (!c->used) {
			memset(c, 0, sizeof(*c));
			c->used = true;
			c->le.chan.ops = &chan_ops;
			c->le.rx.mtu = SDU_MTU;
			return c;
		}
	}
	return NULL;
}

static int on_accept(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan)
{
	(void)conn;
	struct shell_chan *c = chan_take();
	if (!c) {
		l.env->out("l2cap: refused a channel to PSM 0x%04x: all %d in use", server->psm, CHANS_MAX);
		return -ENOMEM;
	}
	*chan = &c->le.chan;
	return 0;
}

/* argv[i] as a channel number, or the first connected channel when absent. */
static struct shell_chan *chan_arg(int argc, char **argv, int i)
{
	if (argc > i) {
		uint16_t n;
		if (shell_parse_u16(argv[i], &n) || n >= CHANS_MAX || !l.chans[n].used) {
			return NULL;
		}
		return &l.chans[n];
	}
	for (int k = 0; k < CHANS_MAX; k++) {
		if (l.chans[k].used && l.chans[k].le.state == BT_L2CAP_CONNECTED) {
			return &l.chans[k];
		}
	}
	return NULL;
}

static int cmd_listen(int argc, char **argv)
{
	uint16_t psm;
	if (argc < 2 || shell_parse_u16(argv[1], &psm) || psm == 0) {
		return -EINVAL;
	}
	for (int i = 0; i < SERVERS_MAX; i++) {
		struct bt_l2cap_server *s = &l.servers[i];
		if (!s->accept) {
			*s = (struct bt_l2cap_server){ .psm = psm, .sec_level = BT_SECURITY_L1, .accept = on_accept };
			int err = bt_l2cap_server_register(s);
			if (err) {
				s->accept = NULL;
			}
			return err;
		}
	}
	return -ENOMEM;
}

static int cmd_connect(int argc, char **argv)
{
	uint16_t idx, psm;
	if (argc < 3 || shell_parse_u16(argv[1], &idx) || shell_parse_u16(argv[2], &psm)) {
		return -EINVAL;
	}
	struct bt_conn *conn = l.env->conn(idx);
	if (!conn) {
		return -ENOTCONN;
	}
	struct shell_chan *c = chan_take();
	if (!c) {
		return -ENOMEM;
	}
	int err = bt_l2cap_chan_connect(conn, &c->le.chan, psm);
	if (err) {
		c->used = false;
	} else {
		l.env->out("l2cap: channel %u connecting", chan_index(&c->le.chan));
	}
	return err;
}

static int cmd_send(int argc, char **argv)
{
	if (argc < 2) {
		return -EINVAL;
	}
	struct shell_chan *c = chan_arg(argc, argv, argc >= 3 ? 1 : argc);
	if (!c) {
		return -ENOTCONN;
	}
	const char *data = argv[argc - 1];
	int n;
	if (!strncmp(data, "len:", 4)) {
		uint16_t len;
		if (shell_parse_u16(data + 4, &len) || len > sizeof(l.tx_data)) {
			return -EINVAL;
		}
		for (uint16_t i = 0; i < len; i++) {
			l.tx_data[i] = (uint8_t)i;
		}
		n = len;
	} else {
		n = shell_parse_hex(data, l.tx_data, sizeof(l.tx_data));
		if (n < 0) {
			return n;
		}
	}
	struct net_buf *buf = net_buf_alloc(&shell_sdu_tx_pool, K_NO_WAIT);
	if (!buf) {
		return -ENOBUFS;
	}
	net_buf_reserve(buf, BT_L2CAP_SDU_CHAN_SEND_RESERVE);
	net_buf_add_mem(buf, l.tx_data, (size_t)n);
	int err = bt_l2cap_chan_send(&c->le.chan, buf);
	if (err) {
		net_buf_unref(buf); /* refused: still ours */
	}
	return err;
}

static void cmd_chans(void)
{
	for (int i = 0; i < CHANS_MAX; i++) {
		const struct bt_l2cap_le_chan *le = &l.chans[i].le;
		if (l.chans[i].used) {
			l.env->out("  %d: state %d PSM 0x%04x, tx MTU %u, rx MTU %u", i, le->state, le->psm, le->tx.mtu,
				   le->rx.mtu);
		}
	}
}

void shell_l2cap_usage(const struct shell_env *env)
{
	env->out("l2cap listen PSM, l2cap connect IDX PSM, l2cap send [N] HEX|len:L, l2cap disconnect [N], "
		 "l2cap chans");
}

int shell_l2cap(const struct shell_env *env, int argc, char **argv)
{
	l.env = env;
	if (argc < 1) {
		return -EINVAL;
	}
	const char *sub = argv[0];
	if (!strcmp(sub, "listen")) {
		return cmd_listen(argc, argv);
	}
	if (!strcmp(sub, "connect")) {
		return cmd_connect(argc, argv);
	}
	if (!strcmp(sub, "send")) {
		return cmd_send(argc, argv);
	}
	if (!strcmp(sub, "disconnect")) {
		struct shell_chan *c = chan_arg(argc, argv, 1);
		return c ? bt_l2cap_chan_disconnect(&c->le.chan) : -ENOTCONN;
	}
	if (!strcmp(sub, "chans")) {
		cmd_chans();
		return 0;
	}
	return -EINVAL;
}
