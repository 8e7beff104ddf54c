/* Controller bring-up as an asynchronous state machine: one command per
 * step, each step's completion starts the next. Steps are skipped when the
 * controller does not list the command (P5) and optional steps may fail. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define STEP_OPTIONAL BIT(0)

struct init_step {
	uint16_t opcode;
	uint8_t flags;
	bool (*wanted)(struct zble_host *host);
	uint8_t (*params)(struct zble_host *host, uint8_t *out);
	/* false: the answer is unusable (too short); fails a mandatory step */
	bool (*answer)(struct zble_host *host, const uint8_t *rp, size_t len);
};

bool zble_hci_cmd_supported(const struct zble_host *host, unsigned octet, unsigned bit)
{
	return (host->commands[octet] >> bit) & 1;
}

bool zble_le_feature(const struct zble_host *host, unsigned bit)
{
	return (host->le_features[bit / 8] >> (bit % 8)) & 1;
}

static bool rsp_version(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 8) {
		return false;
	}
	host->hci_version = rp[0];
	host->manufacturer = sys_get_le16(rp + 4);
	return true;
}

static bool rsp_commands(struct zble_host *host, const uint8_t *rp, size_t len)
{
	memcpy(host->commands, rp, MIN(len, sizeof(host->commands)));
	return len >= 64;
}

static bool rsp_features(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 8) {
		return false;
	}
	memcpy(host->features, rp, 8);
	return true;
}

static bool rsp_le_features(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 8) {
		return false;
	}
	memcpy(host->le_features, rp, 8);
	return true;
}

static bool rsp_le_buffer_size(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 3) {
		return false;
	}
	host->acl_mtu = sys_get_le16(rp);
	host->acl_pkts = rp[2];
	return true;
}

static bool want_le_buffer_v2(struct zble_host *host)
{
	return zble_hci_cmd_supported(host, 41, 5);
}

static bool want_le_buffer_v1(struct zble_host *host)
{
	return !want_le_buffer_v2(host) || host->acl_pkts == 0;
}

/* LE shares the BR/EDR buffers when it reports none of its own. */
static bool want_buffer_size(struct zble_host *host)
{
	return host->acl_mtu == 0 || host->acl_pkts == 0;
}

static bool rsp_buffer_size(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 7) {
		return false;
	}
	host->acl_mtu = sys_get_le16(rp);
	host->acl_pkts = sys_get_le16(rp + 3);
	return true;
}

static bool rsp_bd_addr(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 6) {
		return false;
	}
	host->id_addr.type = BT_ADDR_LE_PUBLIC;
	memcpy(host->id_addr.a.val, rp, 6);
	return true;
}

static uint8_t params_event_mask(struct zble_host *host, uint8_t *out)
{
	(void)host;
	uint64_t mask = BIT64(4)     /* Disconnection Complete */
			| BIT64(7)   /* Encryption Change */
			| BIT64(11)  /* Read Remote Version Information Complete */
			| BIT64(15)  /* Hardware Error */
			| BIT64(25)  /* Data Buffer Overflow */
			| BIT64(47)  /* Encryption Key Refresh Complete */
			| BIT64(61); /* LE Meta */
	sys_put_le64(mask, out);
	return 8;
}

static bool want_page2(struct zble_host *host)
{
	return zble_hci_cmd_supported(host, 22, 2);
}

static uint8_t params_page2(struct zble_host *host, uint8_t *out)
{
	(void)host;
	sys_put_le64(BIT64(23), out); /* Authenticated Payload Timeout Expired */
	return 8;
}

static uint8_t params_le_event_mask(struct zble_host *host, uint8_t *out)
{
	uint64_t mask = BIT64(0)    /* Connection Complete */
			| BIT64(1)  /* Advertising Report */
			| BIT64(2)  /* Connection Update Complete */
			| BIT64(3)  /* Read Remote Features Complete */
			| BIT64(4)  /* LTK Request */
			| BIT64(5)  /* Remote Connection Parameter Request */
			| BIT64(6)  /* Data Length Change */
			| BIT64(11) /* PHY Update Complete */
			| BIT64(10); /* Directed Advertising Report */
	/* The enhanced event only where the controller must have it (HCI
	 * condition C24: LL Privacy or Extended Advertising). Both forms are
	 * handled, so a controller that sends legacy anyway is fine. */
	if (zble_le_feature(host, BT_LE_FEAT_BIT_PRIVACY) || zble_le_feature(host, BT_LE_FEAT_BIT_EXT_ADV)) {
		mask |= BIT64(9);
	}
	if (zble_le_feature(host, BT_LE_FEAT_BIT_EXT_ADV)) {
		mask |= BIT64(12) | BIT64(17); /* Extended Adv Report, Adv Set Terminated */
	}
	if (zble_hci_cmd_supported(host, 34, 1)) {
		mask |= BIT64(7) | BIT64(8); /* P-256 Public Key, Generate DHKey Complete (offload crypto) */
	}
	sys_put_le64(mask, out);
	return 8;
}

static bool want_dle(struct zble_host *host)
{
	return zble_le_feature(host, BT_LE_FEAT_BIT_DLE);
}

static uint8_t params_default_data_len(struct zble_host *host, uint8_t *out)
{
	(void)host;
	sys_put_le16(251, out);
	sys_put_le16(2120, out + 2);
	return 4;
}

/* No public address: a static random identity from the controller's RNG. */
static bool want_rand(struct zble_host *host)
{
	static const bt_addr_t zero;
	return host->id_addr.type == BT_ADDR_LE_PUBLIC && bt_addr_eq(&host->id_addr.a, &zero);
}

static bool rsp_rand(struct zble_host *host, const uint8_t *rp, size_t len)
{
	if (len < 8) {
		return false;
	}
	memcpy(host->rand, rp, 8);
	host->id_addr.type = BT_ADDR_LE_RANDOM;
	memcpy(host->id_addr.a.val, rp, 6);
	BT_ADDR_SET_STATIC(&host->id_addr.a);
	return true;
}

static bool want_random_addr(struct zble_host *host)
{
	return host->id_addr.type == BT_ADDR_LE_RANDOM;
}

static uint8_t params_random_addr(struct zble_host *host, uint8_t *out)
{
	memcpy(out, host->id_addr.a.val, 6);
	return 6;
}

static const struct init_step steps[] = {
	{ BT_HCI_OP_RESET, 0, NULL, NULL, NULL },
	{ BT_HCI_OP_READ_LOCAL_VERSION_INFO, 0, NULL, NULL, rsp_version },
	{ BT_HCI_OP_READ_SUPPORTED_COMMANDS, 0, NULL, NULL, rsp_commands },
	{ BT_HCI_OP_READ_LOCAL_FEATURES, 0, NULL, NULL, rsp_features },
	{ BT_HCI_OP_LE_READ_LOCAL_FEATURES, 0, NULL, NULL, rsp_le_features },
	{ BT_HCI_OP_LE_READ_BUFFER_SIZE_V2, STEP_OPTIONAL, want_le_buffer_v2, NULL, rsp_le_buffer_size },
	{ BT_HCI_OP_LE_READ_BUFFER_SIZE, 0, want_le_buffer_v1, NULL, rsp_le_buffer_size },
	{ BT_HCI_OP_READ_BUFFER_SIZE, 0, want_buffer_size, NULL, rsp_buffer_size },
	{ BT_HCI_OP_READ_BD_ADDR, STEP_OPTIONAL, NULL, NULL, rsp_bd_addr },
	{ BT_HCI_OP_SET_EVENT_MASK, 0, NULL, params_event_mask, NULL },
	{ BT_HCI_OP_SET_EVENT_MASK_PAGE_2, STEP_OPTIONAL, want_page2, params_page2, NULL },
	{ BT_HCI_OP_LE_SET_EVENT_MASK, 0, NULL, params_le_event_mask, NULL },
	{ BT_HCI_OP_LE_WRITE_DEFAULT_DATA_LEN, STEP_OPTIONAL, want_dle, params_default_data_len, NULL },
	{ BT_HCI_OP_LE_RAND, 0, want_rand, NULL, rsp_rand },
	{ BT_HCI_OP_LE_SET_RANDOM_ADDRESS, 0, want_random_addr, params_random_addr, NULL },
};

static void init_done(struct zble_host *host, int err)
{
	/* Like Zephyr with CONFIG_BT_EXT_ADV: a controller that has extended
	 * advertising gets the extended commands for all of GAP. */
	host->ext = zble_le_feature(host, BT_LE_FEAT_BIT_EXT_ADV) && zble_hci_cmd_supported(host, 36, 2) && zble_hci_cmd_supported(host, 37, 5) &&
		    zble_hci_cmd_supported(host, 37, 7) && !host->force_legacy;
	host->acl_credits = host->acl_pkts;
	host->enabling = false;
	host->init_err = err;
	host->ready = err == 0;
	bool recovered = host->recovering;
	host->recovering = false;
	bt_ready_cb_t cb = host->ready_cb;
	host->ready_cb = NULL;
	if (host->enable_sync) {
		host->enable_sync->err = err;
		k_sem_give(&host->enable_sync->sem);
		host->enable_sync = NULL;
	}
	if (cb) {
		cb(err);
	}
	if (recovered && host->error_cb) {
		struct zble_host_error e = { .kind = ZBLE_HOST_ERROR_RECOVERED, .err = err };
		host->error_cb(host, &e, host->error_ctx);
	}
}

static void step_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg);

static void run_step(struct zble_host *host)
{
	while (host->init_step < ARRAY_SIZE(steps)) {
		const struct init_step *s = &steps[host->init_step];
		if (s->wanted && !s->wanted(host)) {
			host->init_step++;
			continue;
		}
		uint8_t params[16];
		uint8_t len = s->params ? s->params(host, params) : 0;
		int err = zble_hci_cmd_send(host, s->opcode, params, len, step_done, NULL, NULL);
		if (err) {
			init_done(host, err);
		}
		return;
	}
	init_done(host, 0);
}

static void step_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)arg;
	if (!host->enabling) {
		return;
	}
	const struct init_step *s = &steps[host->init_step];
	bool ok = status == 0 && (!s->answer || s->answer(host, rp, len));
	if (!ok && !(s->flags & STEP_OPTIONAL)) {
		init_done(host, status ? zble_hci_err_to_errno(status) : -EPROTO);
		return;
	}
	host->init_step++;
	run_step(host);
}

static void init_work_handler(struct k_work *work)
{
	struct zble_host *host = CONTAINER_OF(work, struct zble_host, init_work);
	k_mutex_lock(&host->lock, K_FOREVER);
	host->init_step = 0;
	/* One command before the first answer: the credit Reset returns. */
	host->ncmd = 1;
	run_step(host);
	k_mutex_unlock(&host->lock);
}

/* HCI Hardware Error (docs/hardware-error.md): the controller's state is
 * unknown, so the host starts over with it, as NimBLE does: tell the
 * application, fail every pending command, report every link lost (which
 * fails their ATT, L2CAP and ACL work), stop advertising and scanning,
 * then reset the controller and run the bring-up again. bt_enable() that
 * is waiting gets the outcome of the new bring-up. */
void zble_init_hw_error(struct zble_host *host, uint8_t hw_code)
{
	host->stats.hw_errors++;
	if (!host->opened || !(host->ready || host->enabling)) {
		return; /* nothing set up that could be wrong */
	}
	if (host->error_cb) {
		struct zble_host_error e = { .kind = ZBLE_HOST_ERROR_HW, .hw_code = hw_code };
		host->error_cb(host, &e, host->error_ctx);
	}
	host->ready = false;
	/* Step completions of an interrupted bring-up are ignored. */
	host->enabling = false;
	zble_hci_fail_commands(host, BT_HCI_ERR_HW_FAILURE);
	/* The links are gone with the controller's reset: the local host
	 * ends them, so they end as a local termination would. */
	zble_conn_all_lost(host, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	host->adv.enabled = false;
	for (int i = 0; i < CONFIG_BT_EXT_ADV_MAX_ADV_SET; i++) {
		host->ext_adv[i].enabled = false;
		/* No Terminated event is owed by a controller that was reset. */
		host->ext_adv[i].term_owed = false;
	}
	host->scan.enabled = host->scan.want = false;
	host->scan.chain.active = false;
	host->enabling = true;
	host->recovering = true;
	k_work_submit_to_queue(&host->wq, &host->init_work);
}

void zble_init_setup(struct zble_host *host)
{
	k_work_init(&host->init_work, init_work_handler);
}

int bt_enable(bt_ready_cb_t cb)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (host->ready || host->enabling) {
		zble_api_exit(host);
		return -EALREADY;
	}
	struct zble_sync sync;
	bool wait = !cb;
	if (wait && !zble_kernel_may_block(host->kernel)) {
		zble_api_exit(host);
		return -EDEADLK;
	}
	if (!host->opened) {
		int err = host->driver->open(host->driver, zble_host_recv, host);
		if (err) {
			zble_api_exit(host);
			return err;
		}
		host->opened = true;
	}
	host->enabling = true;
	host->ready_cb = cb;
	host->init_err = 0;
	memset(&host->id_addr, 0, sizeof(host->id_addr));
	if (wait) {
		zble_sync_init(&sync);
		sync.pending = 1;
		host->enable_sync = &sync;
	}
	k_work_submit_to_queue(&host->wq, &host->init_work);
	int err = 0;
	if (wait) {
		err = zble_sync_wait(host, &sync);
	}
	zble_api_exit(host);
	return err;
}

void zble_host_use_legacy_commands(struct zble_host *host, bool legacy)
{
	k_mutex_lock(&host->lock, K_FOREVER);
	host->force_legacy = legacy;
	k_mutex_unlock(&host->lock);
}

bool bt_is_ready(void)
{
	struct zble_host *host = zble_host_current();
	return host && __atomic_load_n(&host->ready, __ATOMIC_SEQ_CST);
}

int bt_disable(void)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (!host->opened) {
		zble_api_exit(host);
		return -EALREADY;
	}
	host->ready = false;
	host->opened = false;
	if (host->driver->close) {
		host->driver->close(host->driver);
	}
	if (host->enabling) {
		init_done(host, -ECANCELED);
	}
	zble_hci_flush(host);
	zble_conn_teardown(host);
	host->adv.enabled = false;
	host->scan.enabled = host->scan.want = false;
	zble_api_exit(host);
	return 0;
}

void bt_id_get(bt_addr_le_t *addrs, size_t *count)
{
	struct zble_host *host = zble_host_current();
	if (!host || !host->ready || *count == 0) {
		*count = 0;
		return;
	}
	bt_addr_le_copy(&addrs[0], &host->id_addr);
	*count = 1;
}

int bt_set_name(const char *name)
{
	struct zble_host *host = zble_host_current();
	if (!host || !name) {
		return -EINVAL;
	}
	if (strlen(name) > CONFIG_BT_DEVICE_NAME_MAX) {
		return -ENOMEM;
	}
	strcpy(host->name, name);
	return 0;
}

const char *bt_get_name(void)
{
	struct zble_host *host = zble_host_current();
	return host ? host->name : CONFIG_BT_DEVICE_NAME;
}
