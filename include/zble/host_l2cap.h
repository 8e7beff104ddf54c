/* Per-connection and per-host L2CAP state (credit-based channels); part of
 * struct bt_conn and struct zble_host. Owned by src/host/l2cap*.c. */
#ifndef ZBLE_HOST_L2CAP_H
#define ZBLE_HOST_L2CAP_H

#include <stdint.h>

#include <zephyr/bluetooth/conn.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/slist.h>

/* HCI command buffers the peer's connection parameter update requests can
 * never take: a request that would need one of them is refused, so a peer
 * flooding the signalling channel leaves commands for the application. */
#ifndef ZBLE_L2CAP_PARAM_CMD_RESERVE
#define ZBLE_L2CAP_PARAM_CMD_RESERVE (CONFIG_BT_BUF_CMD_TX_COUNT / 2)
#endif

/* The peer's LE Credit Based Connection Request being decided on. */
struct zble_l2cap_accept_req {
	uint16_t psm;
	uint16_t cid;     /* ours, the channel gets it if accepted */
	uint16_t peer_cid;
	uint16_t peer_mtu;
	uint16_t peer_mps;
	uint16_t peer_credits;
};

struct zble_l2cap_conn {
	sys_slist_t chans;               /* struct bt_l2cap_le_chan of this link */
	/* Set only while a server's accept callback runs: a binding that asks
	 * its application then already knows the peer's MTU and the CID (the
	 * Zephyr accept callback carries neither). */
	const struct zble_l2cap_accept_req *accept_req;
	struct k_work_delayable tx_work; /* sends K-frames and owed credits; retries when buffers ran out */
	struct k_work_delayable rtx_work; /* the earliest RTX deadline of our requests */
	uint16_t next_tag;
	uint8_t param_ident; /* our pending connection parameter update request */
	/* The peer's connection parameter update requests (we are central): at
	 * most one HCI LE Connection Update per link in flight, answered when
	 * its Command Status says whether it started; one more request waits
	 * (a newer one replaces it, the replaced one is refused). */
	bool param_busy;
	uint8_t param_rsp_ident;    /* the request the command in flight answers */
	uint8_t param_queued_ident; /* 0: none waiting */
	struct bt_le_conn_param param_queued;
};

struct zble_l2cap_stats {
	uint32_t chan_protocol_errors; /* channels we disconnected: the peer broke the rules, or no SDU buffer */
	uint32_t rtx_timeouts;         /* requests the peer never answered */
	uint32_t refused;              /* connection requests we refused */
	uint32_t tx_retries;           /* sending waited for a TX buffer */
	uint32_t rx_dropped;           /* K-frames for a channel not (yet) open */
	uint32_t sig_malformed;        /* signalling commands of a wrong length */
	uint32_t param_refused;        /* peer parameter update requests refused: unacceptable, superseded, no command buffer or not started */
	uint32_t param_started;        /* peer parameter update requests accepted: their LE Connection Update started */
};

struct zble_l2cap_host {
	sys_slist_t servers; /* struct bt_l2cap_server */
	uint32_t rtx_ms;     /* RTX timeout of our requests */
	struct zble_l2cap_stats stats;
};

#endif
