/* A scripted controller for HCI-core unit tests: answers every command the
 * way a simple LE controller would, with per-opcode overrides (a status, or
 * no answer at all), records what the host sent, and injects events. */
#ifndef ZBLE_FAKE_CTRL_H
#define ZBLE_FAKE_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/kernel.h>

#include "zble/hci_driver.h"

#define FAKE_MAX_RULES 8
#define FAKE_MAX_LOG 128

enum fake_action {
	FAKE_STATUS,  /* answer with this status */
	FAKE_SILENT,  /* never answer */
};

struct fake_rule {
	uint16_t opcode;
	enum fake_action action;
	uint8_t status;
};

struct fake_ctrl {
	struct zble_hci_driver drv;
	zble_hci_recv_t recv;
	void *recv_ctx;
	uint8_t bd_addr[6];
	uint8_t le_features0;
	uint8_t le_features1; /* bit 4: LE Extended Advertising */
	bool page2_listed;
	struct fake_rule rules[FAKE_MAX_RULES];
	int n_rules;
	uint16_t log[FAKE_MAX_LOG];
	int n_log;
	uint8_t last_params[255];
	uint8_t last_len;
	uint16_t next_handle;
	bool open;
	/* ACL fragments the host sent: handle+flags word and length. */
	uint16_t acl_hdr[64];
	uint16_t acl_len[64];
	uint8_t acl_data[4096];
	size_t acl_bytes;
	int n_acl;
	uint16_t acl_mtu; /* reported in LE Read Buffer Size (default 27) */
	uint8_t acl_pkts; /* default 4 */
	uint16_t conn_timeout; /* supervision timeout in connection completes (10 ms; default 400) */
	/* fake_ctrl_delay_answer: the answer to one opcode, held and sent
	 * later by a timer, with an optional stray completion sent at once. */
	struct {
		uint16_t opcode;
		uint32_t ms;
		bool armed, capturing, stray, stray_is_status;
		uint16_t stray_opcode;
		uint8_t held[2][3 + 255];
		size_t held_len[2];
		int n_held;
		bool timer_ready;
		struct k_timer timer;
	} delay;
};

void fake_ctrl_init(struct fake_ctrl *c);
void fake_ctrl_rule(struct fake_ctrl *c, uint16_t opcode, enum fake_action action, uint8_t status);
/* Delivers an event (code + params; the length byte is added). */
void fake_ctrl_event(struct fake_ctrl *c, uint8_t code, const uint8_t *params, uint8_t len);
/* Delivers raw bytes as one H4 packet (for malformed input). */
void fake_ctrl_raw(struct fake_ctrl *c, const uint8_t *pkt, size_t len);
/* LE Connection Complete (legacy or enhanced) for a handle and role. */
void fake_ctrl_conn_complete(struct fake_ctrl *c, bool enhanced, uint8_t status, uint16_t handle, uint8_t role,
			     const uint8_t peer[6]);
void fake_ctrl_disconn_complete(struct fake_ctrl *c, uint16_t handle, uint8_t reason);
/* LE Advertising Set Terminated. */
void fake_ctrl_set_terminated(struct fake_ctrl *c, uint8_t status, uint8_t adv_handle, uint16_t conn_handle,
			      uint8_t num_events);
/* One LE Extended Advertising Report. */
void fake_ctrl_ext_report(struct fake_ctrl *c, uint16_t evt_type, const uint8_t addr[6], const uint8_t *data,
			  uint8_t len);
/* Index of the n-th (0-based) occurrence of opcode in the log, or -1. */
int fake_ctrl_find(const struct fake_ctrl *c, uint16_t opcode, int n);
/* Number Of Completed Packets for one handle. */
void fake_ctrl_nocp(struct fake_ctrl *c, uint16_t handle, uint16_t count);
/* One incoming ACL fragment. */
void fake_ctrl_acl(struct fake_ctrl *c, uint16_t handle, uint8_t pb, const uint8_t *data, uint16_t len);
/* How many times the host sent opcode. */
int fake_ctrl_count(const struct fake_ctrl *c, uint16_t opcode);
/* A Command Complete (status only) or Command Status with ncmd credits:
 * for stray, NOP (opcode 0) and late completions. */
void fake_ctrl_cmd_complete(struct fake_ctrl *c, uint8_t ncmd, uint16_t opcode, uint8_t status);
void fake_ctrl_cmd_status(struct fake_ctrl *c, uint8_t ncmd, uint16_t opcode, uint8_t status);
/* The next time the host sends opcode, its answer comes ms later (a
 * kernel timer: virtual time on coop); with stray, a completion for
 * stray_opcode (0: a NOP) with one credit comes at once, while the
 * command is in flight. Call with the kernel current. */
void fake_ctrl_delay_answer(struct fake_ctrl *c, uint16_t opcode, uint32_t ms, bool stray, bool stray_is_status,
			    uint16_t stray_opcode);

#endif
