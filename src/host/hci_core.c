/* HCI core: receive path (classify, queue, dispatch in the host context),
 * the command queue with controller credits and asynchronous completions,
 * and the command timeout. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

struct zble_host *zble_host_current(void)
{
	struct zble_kernel *k = zble_port_current_kernel();
	return k ? k->bt_host : NULL;
}

int zble_hci_err_to_errno(uint8_t status)
{
	switch (status) {
	case BT_HCI_ERR_SUCCESS:
		return 0;
	case BT_HCI_ERR_UNKNOWN_CMD:
	case BT_HCI_ERR_UNSUPP_FEATURE_PARAM_VAL:
	case BT_HCI_ERR_UNSUPP_REMOTE_FEATURE:
		return -ENOTSUP;
	case BT_HCI_ERR_UNKNOWN_CONN_ID:
		return -ENOTCONN;
	case BT_HCI_ERR_MEM_CAPACITY_EXCEEDED:
	case BT_HCI_ERR_INSUFFICIENT_RESOURCES:
		return -ENOMEM;
	case BT_HCI_ERR_CONN_LIMIT_EXCEEDED:
		return -ECONNREFUSED;
	case BT_HCI_ERR_CMD_DISALLOWED:
		return -EACCES;
	case BT_HCI_ERR_INVALID_PARAM:
	case BT_HCI_ERR_INVALID_LL_PARAM:
		return -EINVAL;
	case BT_HCI_ERR_CTLR_BUSY:
		return -EBUSY;
	case ZBLE_HCI_STATUS_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

void zble_host_set_monitor(struct zble_host *host, zble_monitor_t fn, void *ctx)
{
	host->monitor_ctx = ctx;
	host->monitor = fn;
}

void zble_host_set_error_cb(struct zble_host *host, zble_host_error_cb_t fn, void *ctx)
{
	k_mutex_lock(&host->lock, K_FOREVER);
	host->error_ctx = ctx;
	host->error_cb = fn;
	k_mutex_unlock(&host->lock);
}

void zble_host_set_cmd_timeout(struct zble_host *host, uint32_t ms)
{
	k_mutex_lock(&host->lock, K_FOREVER);
	host->cmd_timeout_ms = ms ? ms : ZBLE_HCI_CMD_TIMEOUT_MS;
	k_mutex_unlock(&host->lock);
}

/* ---- receive: runs in the driver's context, so it only queues ---- */

static bool is_discardable(const uint8_t *pkt, size_t len)
{
	if (len < 4 || pkt[0] != ZBLE_H4_EVT || pkt[1] != BT_HCI_EVT_LE_META_EVENT) {
		return false;
	}
	switch (pkt[3]) {
	case BT_HCI_EVT_LE_ADVERTISING_REPORT:
	case BT_HCI_EVT_LE_DIRECT_ADV_REPORT:
	case BT_HCI_EVT_LE_EXT_ADVERTISING_REPORT:
		return true;
	default:
		return false;
	}
}

int zble_host_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct zble_host *host = ctx;
	struct net_buf_pool *pool;

	if (len < 1) {
		__atomic_fetch_add(&host->stats.rx_rejected, 1, __ATOMIC_RELAXED);
		return -EINVAL;
	}
	if (host->monitor) {
		host->monitor(host->monitor_ctx, true, pkt, len);
	}
	bool discardable = is_discardable(pkt, len);
	switch (pkt[0]) {
	case ZBLE_H4_EVT:
		pool = discardable ? &host->disc_pool : &host->evt_pool;
		break;
	case ZBLE_H4_ACL:
		pool = &host->acl_pool;
		break;
	default:
		__atomic_fetch_add(&host->stats.rx_rejected, 1, __ATOMIC_RELAXED);
		return -EPROTO;
	}
	struct net_buf *buf = net_buf_alloc(pool, K_NO_WAIT);
	if (!buf) {
		__atomic_fetch_add(discardable ? &host->stats.rx_discarded : &host->stats.rx_dropped, 1,
				   __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	if (len > net_buf_tailroom(buf)) {
		net_buf_unref(buf);
		__atomic_fetch_add(&host->stats.rx_rejected, 1, __ATOMIC_RELAXED);
		return -EMSGSIZE;
	}
	net_buf_add_mem(buf, pkt, len);
	k_fifo_put(&host->rx_queue, buf);
	k_work_submit_to_queue(&host->wq, &host->rx_work);
	return 0;
}

/* ---- commands ---- */

int zble_hci_cmd_send(struct zble_host *host, uint16_t opcode, const void *params, uint8_t len, zble_hci_done_t done,
		      void *arg, struct zble_sync *sync)
{
	return zble_hci_cmd_send_ok(host, opcode, params, len, done, arg, sync, 0);
}

int zble_hci_cmd_send_ok(struct zble_host *host, uint16_t opcode, const void *params, uint8_t len,
			 zble_hci_done_t done, void *arg, struct zble_sync *sync, uint8_t ok_status)
{
	struct net_buf *buf = net_buf_alloc(&host->cmd_pool, K_NO_WAIT);
	if (!buf) {
		return -ENOBUFS;
	}
	net_buf_add_u8(buf, ZBLE_H4_CMD);
	net_buf_add_le16(buf, opcode);
	net_buf_add_u8(buf, len);
	if (len) {
		net_buf_add_mem(buf, params, len);
	}
	struct zble_cmd_meta *meta = net_buf_user_data(buf);
	*meta = (struct zble_cmd_meta){ .opcode = opcode, .ok_status = ok_status, .done = done, .arg = arg, .sync = sync };
	if (sync) {
		sync->pending++;
	}
	k_fifo_put(&host->cmd_queue, buf);
	k_work_submit_to_queue(&host->wq, &host->tx_work);
	return 0;
}

static void cmd_finish(struct zble_host *host, struct net_buf *buf, uint8_t status, const uint8_t *rp, size_t rp_len)
{
	struct zble_cmd_meta *meta = net_buf_user_data(buf);
	if (status && status == meta->ok_status) {
		status = 0;
	}
	if (meta->done) {
		meta->done(host, status, rp, rp_len, meta->arg);
	}
	if (meta->sync) {
		struct zble_sync *s = meta->sync;
		if (status && !s->err) {
			s->err = zble_hci_err_to_errno(status);
		}
		if (--s->pending == 0) {
			k_sem_give(&s->sem);
		}
	} else if (status && !meta->done) {
		host->stats.async_errors++;
	}
	net_buf_unref(buf);
}

/* After a timeout, a command with the timed-out opcode waits until that
 * command's late completion came or could no longer come: a completion is
 * then never taken for the wrong command. true: hold the queue. */
static bool held_for_late_answer(struct zble_host *host, struct net_buf *buf)
{
	if (!host->late_opcode) {
		return false;
	}
	int64_t left = host->late_until - k_uptime_get();
	if (left <= 0) {
		host->late_opcode = 0;
		return false;
	}
	const struct zble_cmd_meta *meta = net_buf_user_data(buf);
	if (meta->opcode != host->late_opcode) {
		return false;
	}
	/* Nothing is in flight, so the timer is free to wake the queue. */
	k_work_reschedule_for_queue(&host->wq, &host->cmd_timeout, K_MSEC(left));
	return true;
}

/* Vol 4 Part E 4.4: a command goes out only with a credit, and - the host
 * is conservative - only when no other command is in flight, whatever the
 * controller's Num_HCI_Command_Packets allows. */
static void tx_work_handler(struct k_work *work)
{
	struct zble_host *host = CONTAINER_OF(work, struct zble_host, tx_work);
	k_mutex_lock(&host->lock, K_FOREVER);
	while (host->ncmd > 0 && !host->sent_cmd && host->opened) {
		struct net_buf *buf = k_fifo_peek_head(&host->cmd_queue);
		if (!buf || held_for_late_answer(host, buf)) {
			break;
		}
		buf = k_fifo_get(&host->cmd_queue, K_NO_WAIT);
		if (host->monitor) {
			host->monitor(host->monitor_ctx, false, buf->data, buf->len);
		}
		int err = host->driver->send(host->driver, buf->data, buf->len);
		if (err) {
			/* The transport is gone: fail the command, keep the credit. */
			cmd_finish(host, buf, BT_HCI_ERR_HW_FAILURE, NULL, 0);
			continue;
		}
		host->stats.tx_cmds++;
		host->ncmd--;
		host->sent_cmd = buf;
		k_work_reschedule_for_queue(&host->wq, &host->cmd_timeout, K_MSEC(host->cmd_timeout_ms));
	}
	zble_acl_tx(host);
	k_mutex_unlock(&host->lock);
}

/* The command timeout, the credit watchdog, and the end of a hold for a
 * late answer share this timer (only one of them can be pending). */
static void cmd_timeout_handler(struct k_work *work)
{
	struct zble_host *host = CONTAINER_OF(k_work_delayable_from_work(work), struct zble_host, cmd_timeout);
	k_mutex_lock(&host->lock, K_FOREVER);
	struct net_buf *buf = host->sent_cmd;
	/* A controller that never answers, or never returns the credit, must
	 * not wedge the host: fail the command and take the credit back. */
	if (buf) {
		const struct zble_cmd_meta *meta = net_buf_user_data(buf);
		host->sent_cmd = NULL;
		host->ncmd = 1;
		host->stats.cmd_timeouts++;
		/* Its completion may still come: recognise it then. */
		host->late_opcode = meta->opcode;
		host->late_until = k_uptime_get() + host->cmd_timeout_ms;
		cmd_finish(host, buf, ZBLE_HCI_STATUS_TIMEOUT, NULL, 0);
	} else if (host->ncmd == 0) {
		host->ncmd = 1;
		host->stats.cmd_timeouts++;
	}
	k_work_submit_to_queue(&host->wq, &host->tx_work);
	k_mutex_unlock(&host->lock);
}

/* Command Complete and Command Status share the credit and match logic.
 * Num_HCI_Command_Packets of any of them (NOP, opcode 0x0000, included)
 * sets the credit; only the opcode in flight finishes a command. */
static void cmd_response(struct zble_host *host, uint8_t ncmd, uint16_t opcode, uint8_t status, const uint8_t *rp,
			 size_t rp_len)
{
	/* Conservative: one command in flight, whatever the controller allows. */
	host->ncmd = ncmd ? 1 : 0;
	if (opcode != 0x0000) { /* 0x0000: a credit-only NOP */
		struct net_buf *buf = host->sent_cmd;
		struct zble_cmd_meta *meta = buf ? net_buf_user_data(buf) : NULL;
		if (meta && meta->opcode == opcode) {
			host->sent_cmd = NULL;
			k_work_cancel_delayable(&host->cmd_timeout);
			cmd_finish(host, buf, status, rp, rp_len);
		} else if (opcode == host->late_opcode) {
			/* The answer to a command that already timed out. */
			host->late_opcode = 0;
			host->stats.late_cmd_rsp++;
		} else {
			host->stats.unexpected_cmd_rsp++;
		}
	}
	if (host->ncmd == 0 && !host->sent_cmd) {
		/* No credit: a controller that never sends the NOP that returns
		 * it must not stop the host for good (credit watchdog). With a
		 * command in flight its own timeout does that. */
		k_work_reschedule_for_queue(&host->wq, &host->cmd_timeout, K_MSEC(host->cmd_timeout_ms));
	}
	k_work_submit_to_queue(&host->wq, &host->tx_work);
}

static void evt_cmd_complete(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 3) {
		host->stats.malformed++;
		return;
	}
	uint16_t opcode = sys_get_le16(p + 1);
	/* Most return parameters start with the status; NOP has none. */
	uint8_t status = len > 3 ? p[3] : 0;
	cmd_response(host, p[0], opcode, status, len > 3 ? p + 4 : NULL, len > 4 ? len - 4 : 0);
}

static void evt_cmd_status(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 4) {
		host->stats.malformed++;
		return;
	}
	cmd_response(host, p[1], sys_get_le16(p + 2), p[0], NULL, 0);
}

static void evt_hardware_error(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 1) {
		host->stats.malformed++;
		return;
	}
	zble_init_hw_error(host, p[0]);
}

/* ---- receive dispatch, in the host context ---- */

static void handle_event(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 2 || (size_t)p[1] + 2 != len) {
		host->stats.malformed++;
		return;
	}
	uint8_t code = p[0];
	const uint8_t *params = p + 2;
	size_t plen = p[1];
	host->stats.rx_events++;

	switch (code) {
	case BT_HCI_EVT_CMD_COMPLETE:
		evt_cmd_complete(host, params, plen);
		break;
	case BT_HCI_EVT_CMD_STATUS:
		evt_cmd_status(host, params, plen);
		break;
	case BT_HCI_EVT_DISCONN_COMPLETE:
		zble_conn_evt_disconnect_complete(host, params, plen);
		break;
	case BT_HCI_EVT_HARDWARE_ERROR:
		evt_hardware_error(host, params, plen);
		break;
	case BT_HCI_EVT_NUM_COMPLETED_PACKETS:
		zble_acl_evt_num_completed(host, params, plen);
		break;
	case BT_HCI_EVT_ENCRYPT_CHANGE:
	case BT_HCI_EVT_REMOTE_VERSION_INFO:
	case BT_HCI_EVT_DATA_BUF_OVERFLOW:
		break; /* security comes with SMP */
	case BT_HCI_EVT_LE_META_EVENT:
		if (plen < 1) {
			host->stats.malformed++;
			break;
		}
		zble_le_meta_event(host, params[0], params + 1, plen - 1);
		break;
	default:
		host->stats.unknown_events++;
		break;
	}
}

static void rx_work_handler(struct k_work *work)
{
	struct zble_host *host = CONTAINER_OF(work, struct zble_host, rx_work);
	/* A few packets per run, then yield the queue to other work. */
	for (int i = 0; i < 8; i++) {
		struct net_buf *buf = k_fifo_get(&host->rx_queue, K_NO_WAIT);
		if (!buf) {
			return;
		}
		k_mutex_lock(&host->lock, K_FOREVER);
		if (buf->len >= 1 && buf->data[0] == ZBLE_H4_EVT) {
			handle_event(host, buf->data + 1, buf->len - 1u);
		} else if (buf->len >= 1 && buf->data[0] == ZBLE_H4_ACL) {
			zble_acl_recv(host, buf->data + 1, buf->len - 1u);
		}
		k_mutex_unlock(&host->lock);
		net_buf_unref(buf);
	}
	if (!k_fifo_is_empty(&host->rx_queue)) {
		k_work_submit_to_queue(&host->wq, &host->rx_work);
	}
}

/* ---- life cycle ---- */

int zble_host_init(struct zble_host *host, struct zble_kernel *k, struct zble_hci_driver *driver)
{
	if (!host || !k || !driver || !driver->open || !driver->send || zble_port_current_kernel() != k) {
		return -EINVAL;
	}
	memset(host, 0, sizeof(*host));
	host->kernel = k;
	host->driver = driver;
	host->cmd_timeout_ms = ZBLE_HCI_CMD_TIMEOUT_MS;
	k_mutex_init(&host->lock);
	NET_BUF_POOL_STORAGE_INIT(&host->cmd_pool, host->cmd_mem, sizeof(struct zble_cmd_meta), NULL);
	NET_BUF_POOL_STORAGE_INIT(&host->evt_pool, host->evt_mem, 0, NULL);
	NET_BUF_POOL_STORAGE_INIT(&host->disc_pool, host->disc_mem, 0, NULL);
	NET_BUF_POOL_STORAGE_INIT(&host->acl_pool, host->acl_mem, 0, NULL);
	host->cmd_pool.name = "hci_cmd";
	host->evt_pool.name = "hci_evt";
	host->disc_pool.name = "hci_evt_discardable";
	host->acl_pool.name = "hci_acl_rx";
	NET_BUF_POOL_STORAGE_INIT(&host->tx_pool, host->tx_mem, sizeof(struct zble_acl_tx_meta), NULL);
	NET_BUF_POOL_STORAGE_INIT(&host->pdu_pool, host->pdu_mem, 0, NULL);
	host->tx_pool.name = "acl_tx";
	host->pdu_pool.name = "l2cap_rx";
	k_fifo_init(&host->rx_queue);
	k_fifo_init(&host->cmd_queue);
	k_work_init(&host->rx_work, rx_work_handler);
	k_work_init(&host->tx_work, tx_work_handler);
	k_work_init_delayable(&host->cmd_timeout, cmd_timeout_handler);
	zble_init_setup(host);
	zble_conn_setup(host);
	sys_slist_init(&host->conn_cbs);
	sys_slist_init(&host->scan.listeners);
	strncpy(host->name, CONFIG_BT_DEVICE_NAME, CONFIG_BT_DEVICE_NAME_MAX);

	k_work_queue_init(&host->wq);
	struct k_work_queue_config cfg = { .name = "bt_work" };
	k_work_queue_start(&host->wq, NULL, 0, K_PRIO_COOP(7), &cfg);
	k->bt_host = host;
	return 0;
}

/* Every command queued or in flight ends now with status, once. */
void zble_hci_fail_commands(struct zble_host *host, uint8_t status)
{
	struct net_buf *buf;
	k_work_cancel_delayable(&host->cmd_timeout);
	/* The one in flight first: it was queued first. */
	if (host->sent_cmd) {
		buf = host->sent_cmd;
		host->sent_cmd = NULL;
		cmd_finish(host, buf, status, NULL, 0);
	}
	/* A completion may queue more: those end here too. */
	while ((buf = k_fifo_get(&host->cmd_queue, K_NO_WAIT)) != NULL) {
		cmd_finish(host, buf, status, NULL, 0);
	}
	host->late_opcode = 0;
}

/* Drops everything queued (host context or after the queue stopped). */
void zble_hci_flush(struct zble_host *host)
{
	struct net_buf *buf;
	while ((buf = k_fifo_get(&host->rx_queue, K_NO_WAIT)) != NULL) {
		net_buf_unref(buf);
	}
	zble_hci_fail_commands(host, ZBLE_HCI_STATUS_TIMEOUT);
}

void zble_host_deinit(struct zble_host *host)
{
	if (host->opened) {
		bt_disable();
	}
	k_work_cancel(&host->rx_work);
	k_work_cancel(&host->tx_work);
	k_work_cancel(&host->init_work);
	k_work_cancel_delayable(&host->cmd_timeout);
	zble_conn_teardown(host);
	(void)k_work_queue_drain(&host->wq, true);
	(void)k_work_queue_stop(&host->wq, K_FOREVER);
	zble_hci_flush(host);
	if (host->kernel->bt_host == host) {
		host->kernel->bt_host = NULL;
	}
}
