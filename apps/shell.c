/* zble-shell: advertise, scan, connect and disconnect from a prompt, on any
 * transport. Commands come from standard input, one per line; the stack
 * keeps running while the shell waits for input (coop: stdin is one more
 * descriptor of the event loop; threads: the stack has its own threads).
 *
 *   zble-shell --hci unix:/tmp/bt/bt-server-le [--btsnoop FILE]
 *
 * Commands:
 *   adv on [name] | adv off        connectable advertising (with a name)
 *   scan on | scan off             active scanning, one line per report
 *   connect AA:BB:CC:DD:EE:FF public|random
 *   disconnect [index]             disconnect (or cancel) a connection
 *   conns                          list connections
 *   info                           identity, controller, counters
 *   gatt ...                       GATT client and server (see shell_gatt.c;
 *                                  "gatt" alone lists the subcommands)
 *   l2cap ...                      LE credit-based channels (shell_l2cap.c)
 *   wait MS                        let the stack run (for scripts)
 *   quit
 *
 * A line holds up to SHELL_LINE_MAX characters (a 512-byte value in hex
 * and its command); a longer one is refused whole, never cut into pieces.
 * On the threads backend a command runs with the host lock held, as the
 * stack's callbacks do, so the shell's own state needs no other lock (a
 * call that waits for the controller releases it meanwhile). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "shell_gatt.h"
#include "shell_l2cap.h"
#include "zble/btsnoop.h"
#include "zble/h4_posix.h"
#include "zble/host.h"
#include "zble/kernel.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#endif

#define SHELL_LINE_MAX 1100

struct shell {
	struct zble_kernel k;
	char line[SHELL_LINE_MAX + 2]; /* the line, its newline (threads) and NUL */
	bool line_too_long;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
	size_t line_len;
	bool line_ready, eof;
#endif
	struct zble_h4_posix hci;
	struct zble_host host;
	struct zble_btsnoop_file snoop;
	struct bt_conn_cb cb;
	struct bt_conn *conns[CONFIG_BT_MAX_CONN];
	bool snooping;
};

static struct shell sh;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("[%8.1f ms] ", (double)k_uptime_ticks() / 1000.0);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static void monitor(void *ctx, bool received, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	zble_btsnoop_file_record(&sh.snoop, received, pkt, len, zble_btsnoop_unix_us());
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	char addr[BT_ADDR_LE_STR_LEN];
	bt_addr_le_to_str(bt_conn_get_dst(conn), addr, sizeof(addr));
	unsigned idx = bt_conn_index(conn);
	if (err) {
		out("connection %u to %s failed: 0x%02x", idx, addr, err);
		if (sh.conns[idx]) {
			bt_conn_unref(sh.conns[idx]);
			sh.conns[idx] = NULL;
		}
		return;
	}
	if (!sh.conns[idx]) {
		sh.conns[idx] = bt_conn_ref(conn);
	}
	struct bt_conn_info info;
	bt_conn_get_info(conn, &info);
	out("connected %u: %s as %s", idx, addr, info.role == BT_CONN_ROLE_CENTRAL ? "central" : "peripheral");
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	unsigned idx = bt_conn_index(conn);
	out("disconnected %u: reason 0x%02x", idx, reason);
	if (sh.conns[idx]) {
		bt_conn_unref(sh.conns[idx]);
		sh.conns[idx] = NULL;
	}
}

static bool print_name(struct bt_data *data, void *user)
{
	char *name = user;
	if (data->type == BT_DATA_NAME_COMPLETE || data->type == BT_DATA_NAME_SHORTENED) {
		size_t n = MIN(data->data_len, 31);
		memcpy(name, data->data, n);
		name[n] = 0;
		return false;
	}
	return true;
}

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t type, struct net_buf_simple *buf)
{
	char s[BT_ADDR_LE_STR_LEN], name[32] = "";
	bt_addr_le_to_str(addr, s, sizeof(s));
	bt_data_parse(buf, print_name, name);
	out("report: %s type %u rssi %d%s%s", s, type, rssi, name[0] ? " name " : "", name);
}

static int cmd_adv(char *arg, char *name)
{
	if (arg && !strcmp(arg, "off")) {
		return bt_le_adv_stop();
	}
	if (!arg || strcmp(arg, "on")) {
		return -EINVAL;
	}
	if (name) {
		bt_set_name(name);
	}
	const struct bt_data ad[] = { BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR) };
	struct bt_le_adv_param p = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_CONNECTABLE | BT_LE_ADV_OPT_USE_NAME,
							BT_GAP_ADV_FAST_INT_MIN_2, BT_GAP_ADV_FAST_INT_MAX_2, NULL);
	return bt_le_adv_start(&p, ad, ARRAY_SIZE(ad), NULL, 0);
}

static int cmd_connect(char *addr, char *type)
{
	bt_addr_le_t peer;
	if (!addr || bt_addr_le_from_str(addr, type ? type : "public", &peer)) {
		return -EINVAL;
	}
	struct bt_conn *conn = NULL;
	int err = bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn);
	if (!err) {
		unsigned idx = bt_conn_index(conn);
		if (!sh.conns[idx]) {
			sh.conns[idx] = conn;
		} else {
			bt_conn_unref(conn);
		}
		out("connecting as %u", idx);
	}
	return err;
}

static int cmd_disconnect(char *arg)
{
	int idx = -1;
	if (arg) {
		idx = atoi(arg);
	} else {
		for (int i = 0; i < CONFIG_BT_MAX_CONN && idx < 0; i++) {
			if (sh.conns[i]) {
				idx = i;
			}
		}
	}
	if (idx < 0 || idx >= CONFIG_BT_MAX_CONN || !sh.conns[idx]) {
		return -ENOTCONN;
	}
	return bt_conn_disconnect(sh.conns[idx], BT_HCI_ERR_REMOTE_USER_TERM_CONN);
}

static void list_conn(struct bt_conn *conn, void *data)
{
	(void)data;
	struct bt_conn_info info;
	char s[BT_ADDR_LE_STR_LEN];
	bt_conn_get_info(conn, &info);
	bt_addr_le_to_str(info.le.dst, s, sizeof(s));
	out("  %u: %s %s state %d interval %u", bt_conn_index(conn), s,
	    info.role == BT_CONN_ROLE_CENTRAL ? "central" : "peripheral", info.state, info.le.interval);
}

static void cmd_info(void)
{
	bt_addr_le_t id;
	size_t n = 1;
	char s[BT_ADDR_LE_STR_LEN] = "-";
	bt_id_get(&id, &n);
	if (n) {
		bt_addr_le_to_str(&id, s, sizeof(s));
	}
	const struct zble_host_stats *st = &sh.host.stats;
	out("identity %s, HCI version %u, manufacturer 0x%04x, ACL %u x %u", s, sh.host.hci_version,
	    sh.host.manufacturer, sh.host.acl_pkts, sh.host.acl_mtu);
	out("events %u, commands %u, discarded %u, dropped %u, malformed %u, timeouts %u", st->rx_events, st->tx_cmds,
	    st->rx_discarded, st->rx_dropped, st->malformed, st->cmd_timeouts);
}

static struct bt_conn *conn_at(unsigned idx)
{
	return idx < CONFIG_BT_MAX_CONN ? sh.conns[idx] : NULL;
}

static const struct shell_env shell_env = { .out = out, .conn = conn_at };

/* Threads: a command runs as the host's callbacks do, under the host lock. */
static void shell_lock(void)
{
#if defined(ZBLE_KERNEL_THREADS)
	k_mutex_lock(&sh.host.lock, K_FOREVER);
#endif
}

static void shell_unlock(void)
{
#if defined(ZBLE_KERNEL_THREADS)
	k_mutex_unlock(&sh.host.lock);
#endif
}

/* One command line; false on quit. */
static bool run_line(char *line)
{
	if (sh.line_too_long) {
		sh.line_too_long = false;
		out("line too long (more than %d characters): ignored", SHELL_LINE_MAX);
		return true;
	}
	char *save = NULL;
	char *argv[8];
	int argc = 0;
	for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < 8; t = strtok_r(NULL, " \t\r\n", &save)) {
		argv[argc++] = t;
	}
	char *cmd = argc > 0 ? argv[0] : NULL;
	char *a1 = argc > 1 ? argv[1] : NULL;
	char *a2 = argc > 2 ? argv[2] : NULL;
	int err = 0;
	if (!cmd || cmd[0] == '#') {
		return true;
	}
	if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit")) {
		return false;
	} else if (!strcmp(cmd, "adv")) {
		err = cmd_adv(a1, a2);
	} else if (!strcmp(cmd, "scan")) {
		err = a1 && !strcmp(a1, "off") ? bt_le_scan_stop() : bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan);
	} else if (!strcmp(cmd, "connect")) {
		err = cmd_connect(a1, a2);
	} else if (!strcmp(cmd, "disconnect")) {
		err = cmd_disconnect(a1);
	} else if (!strcmp(cmd, "conns")) {
		bt_conn_foreach(BT_CONN_TYPE_LE, list_conn, NULL);
	} else if (!strcmp(cmd, "info")) {
		cmd_info();
	} else if (!strcmp(cmd, "gatt")) {
		if (argc < 2) {
			shell_gatt_usage(&shell_env);
			return true;
		}
		err = shell_gatt(&shell_env, argc - 1, argv + 1);
	} else if (!strcmp(cmd, "l2cap")) {
		if (argc < 2) {
			shell_l2cap_usage(&shell_env);
			return true;
		}
		err = shell_l2cap(&shell_env, argc - 1, argv + 1);
	} else if (!strcmp(cmd, "wait")) {
		shell_unlock();
		k_msleep(a1 ? atoi(a1) : 1000);
		shell_lock();
	} else {
		out("unknown command '%s' (adv, scan, connect, disconnect, conns, info, gatt, l2cap, wait, quit)", cmd);
		return true;
	}
	out("%s: %s", cmd, err ? strerror(-err) : "ok");
	return true;
}

#if !defined(ZBLE_KERNEL_THREADS)
/* stdin is one more descriptor of the event loop: its callback collects a
 * line and the main loop runs it; the stack never stops for input. */
static void on_stdin(void *arg, int fd)
{
	(void)arg;
	char c;
	while (!sh.line_ready) {
		ssize_t n = read(fd, &c, 1);
		if (n <= 0) {
			sh.eof = true;
			sh.line_ready = true;
			zble_posix_loop_remove_fd(&sh.loop, fd);
			return;
		}
		if (c == '\n') {
			sh.line[sh.line_len] = 0;
			sh.line_len = 0;
			sh.line_ready = true;
			/* No more input until this line has run (a command may
			 * wait, and the loop keeps polling meanwhile). */
			zble_posix_loop_remove_fd(&sh.loop, fd);
		} else if (sh.line_len < SHELL_LINE_MAX) {
			sh.line[sh.line_len++] = c;
		} else {
			sh.line_too_long = true; /* the rest of it goes too */
		}
		/* Read on only while more input is already there. */
		struct timeval tv = { 0, 0 };
		fd_set set;
		FD_ZERO(&set);
		FD_SET(fd, &set);
		if (select(fd + 1, &set, NULL, NULL, &tv) <= 0) {
			return;
		}
	}
}

static void repl(void)
{
	for (;;) {
		zble_posix_loop_add_fd(&sh.loop, STDIN_FILENO, on_stdin, NULL);
		zble_kernel_run(&sh.k, &sh.line_ready, ZBLE_TIME_NEVER);
		sh.line_ready = false;
		if (sh.eof || !run_line(sh.line)) {
			return;
		}
	}
}
#else
/* One whole line into sh.line; a longer one is read to its end and marked. */
static bool read_line(void)
{
	if (!fgets(sh.line, sizeof(sh.line), stdin)) {
		return false;
	}
	size_t n = strlen(sh.line);
	while (n > SHELL_LINE_MAX && sh.line[n - 1] != '\n') {
		sh.line_too_long = true;
		if (!fgets(sh.line, sizeof(sh.line), stdin)) {
			break;
		}
		n = strlen(sh.line);
	}
	return true;
}

static void repl(void)
{
	while (read_line()) {
		shell_lock();
		bool more = run_line(sh.line);
		shell_unlock();
		if (!more) {
			return;
		}
	}
}
#endif

int main(int argc, char **argv)
{
	const char *hci = NULL, *snoop = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hci") && i + 1 < argc) {
			hci = argv[++i];
		} else if (!strcmp(argv[i], "--btsnoop") && i + 1 < argc) {
			snoop = argv[++i];
		} else {
			hci = NULL;
			break;
		}
	}
	if (!hci) {
		fprintf(stderr, "usage: zble-shell --hci unix:PATH|tcp:HOST:PORT|tty:PATH[,baud]|userchan:N "
				"[--btsnoop FILE]\n");
		return 2;
	}
#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_init(&sh.loop);
	zble_kernel_init(&sh.k, &zble_posix_loop_port, &sh.loop);
#else
	zble_kernel_init(&sh.k, NULL, NULL);
#endif
	zble_port_set_current_kernel(&sh.k);
	struct zble_h4_posix_config cfg = { .spec = hci };
#if !defined(ZBLE_KERNEL_THREADS)
	cfg.loop = &sh.loop;
#endif
	int err = zble_h4_posix_init(&sh.hci, &cfg);
	if (err) {
		fprintf(stderr, "zble-shell: bad --hci %s: %s\n", hci, strerror(-err));
		return 2;
	}
	zble_host_init(&sh.host, &sh.k, &sh.hci.drv);
	if (snoop && zble_btsnoop_file_open(&sh.snoop, snoop) == 0) {
		zble_host_set_monitor(&sh.host, monitor, NULL);
		sh.snooping = true;
	}
	sh.cb.connected = on_connected;
	sh.cb.disconnected = on_disconnected;
	bt_conn_cb_register(&sh.cb);
	err = bt_enable(NULL);
	if (err) {
		fprintf(stderr, "zble-shell: bt_enable: %s\n", strerror(-err));
		return 1;
	}
	cmd_info();
	repl();
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		bt_conn_unref(sh.conns[i]);
	}
	bt_disable();
	zble_host_deinit(&sh.host);
	if (sh.snooping) {
		zble_btsnoop_file_close(&sh.snoop);
	}
	zble_kernel_deinit(&sh.k);
	return 0;
}
