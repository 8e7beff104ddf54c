/* hci_cmd: a raw command to the controller, waited for. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>

#include "mp_internal.h"

static void on_cmd_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len, void *arg)
{
	struct zble_mp *mp = mp_from_host(host);
	if (!mp) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	/* Only the answer the caller still waits for (not one that timed out). */
	if (mp->hci_waiting && (uint32_t)(uintptr_t)arg == mp->hci_seq) {
		size_t n = rp ? MIN(rp_len, mp->hci_resp_len) : 0;
		if (n) {
			memcpy(mp->hci_resp, rp, n);
		}
		mp->hci_resp_len = n;
		mp->hci_status = status;
		mp->hci_waiting = false;
		k_sem_give(&mp->hci_sem);
	}
	k_mutex_unlock(&host->lock);
}

int zble_mp_hci_cmd(struct zble_mp *mp, uint16_t ogf, uint16_t ocf, const uint8_t *req, size_t req_len,
		    uint8_t *resp, size_t resp_len, size_t *resp_len_out, uint8_t *status)
{
	if (ogf > 0x3f || ocf > 0x3ff || req_len > 255 || (req_len && !req) || (resp_len && !resp)) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (__atomic_load_n(&mp->upcall_depth, __ATOMIC_SEQ_CST) || !zble_kernel_may_block(c.host->kernel) || mp->hci_waiting) {
		mp_exit(&c);
		return ZBLE_MP_EBUSY; /* waiting here would stop the host it waits for */
	}
	k_sem_reset(&mp->hci_sem);
	mp->hci_seq++;
	mp->hci_resp = resp;
	mp->hci_resp_len = resp_len;
	mp->hci_status = 0;
	mp->hci_waiting = true;
	int e = zble_hci_cmd_send(c.host, BT_OP(ogf, ocf), req, (uint8_t)req_len, on_cmd_done,
				  (void *)(uintptr_t)mp->hci_seq, NULL);
	if (e) {
		mp->hci_waiting = false;
		mp_exit(&c);
		return mp_errno(e);
	}
	/* Not holding the lock: the host answers from its own context. */
	uint32_t depth = c.host->lock.lock_count;
	for (uint32_t i = 0; i < depth; i++) {
		k_mutex_unlock(&c.host->lock);
	}
	int rc = k_sem_take(&mp->hci_sem, K_MSEC(ZBLE_MP_HCI_CMD_TIMEOUT_MS));
	for (uint32_t i = 0; i < depth; i++) {
		k_mutex_lock(&c.host->lock, K_FOREVER);
	}
	if (rc || mp->hci_waiting) {
		mp->hci_waiting = false;
		err = ZBLE_MP_ETIMEDOUT;
	} else if (mp->hci_status == 0xff) {
		err = ZBLE_MP_ETIMEDOUT; /* the host's own command timeout */
	} else {
		*status = mp->hci_status;
		if (resp_len_out) {
			*resp_len_out = mp->hci_resp_len;
		}
	}
	mp->hci_resp = NULL;
	mp_exit(&c);
	return err;
}

void mp_hci_start(struct zble_mp *mp)
{
	k_sem_init(&mp->hci_sem, 0, 1);
	mp->hci_waiting = false;
	mp->hci_resp = NULL;
}
