/* L2CAP LE credit-based connection-oriented channels (Zephyr's
 * zephyr/bluetooth/l2cap.h API, reimplemented from its documentation and
 * Core Vol 3 Part A).
 *
 * Where zble differs from Zephyr:
 *
 * - Receiving needs ops->alloc_buf: every incoming SDU is reassembled into a
 *   buffer it returns, which must have tailroom for rx.mtu bytes. A channel
 *   without alloc_buf is refused (connect: -EINVAL; accept: "no resources").
 *   When alloc_buf returns NULL (or a buffer too small) the channel is
 *   disconnected, as the peer's data can no longer be taken.
 * - Credits: rx.credits set before connecting/accepting is the number of
 *   initial credits (0: enough for CONFIG_BT_L2CAP_RX_INIT_SDUS full SDUs).
 *   When the channel closes, rx.credits goes back to that value (0 stays 0),
 *   so a channel used again starts afresh.
 *   The credits an SDU used are given back once ops->recv returns, or, when
 *   it returned -EINPROGRESS, once bt_l2cap_chan_recv_complete() is called.
 *   bt_l2cap_chan_give_credits() adds more at any time.
 * - bt_l2cap_chan_send() copies the SDU into K-frames (the buffer needs
 *   BT_L2CAP_SDU_CHAN_SEND_RESERVE of headroom, as in Zephyr). At most
 *   CONFIG_BT_L2CAP_CHAN_TX_QUEUE SDUs wait per channel: beyond that it
 *   returns -EAGAIN and the caller keeps the buffer (retry from ops->sent).
 * - Only the LE credit based commands: the enhanced credit based ones
 *   (0x17..0x1a) are answered with Command Reject (not understood), and
 *   bt_l2cap_ecred_* does not exist.
 * - A channel that closes for a reason other than a disconnection request
 *   records it in le_chan->err (and the peer's refusal in le_chan->result).
 */
#ifndef ZEPHYR_INCLUDE_BLUETOOTH_L2CAP_H_
#define ZEPHYR_INCLUDE_BLUETOOTH_L2CAP_H_

#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/conn.h>
#include <zephyr/kernel.h>
#include <zephyr/net_buf.h>
#include <zephyr/sys/atomic.h>
#include <zephyr/sys/slist.h>

#include "zble/host.h"

/* newlib only defines it with its Linux extensions (and there as 110). */
#ifndef ESHUTDOWN
#define ESHUTDOWN 110
#endif

#define BT_L2CAP_HDR_SIZE 4
/* Largest payload of an outgoing / incoming L2CAP PDU (basic frame). */
#define BT_L2CAP_TX_MTU (CONFIG_BT_L2CAP_TX_MTU)
#define BT_L2CAP_RX_MTU (CONFIG_BT_L2CAP_RX_MTU)
/* Buffer size for an L2CAP PDU with an mtu-byte payload: the headroom the
 * host puts in front (H4 type, ACL header) and the basic header. */
#define BT_L2CAP_BUF_SIZE(mtu) (ZBLE_ACL_HEADROOM + BT_L2CAP_HDR_SIZE + (mtu))
#define BT_L2CAP_SDU_HDR_SIZE 2
/* SDUs that fit one K-frame. */
#define BT_L2CAP_SDU_TX_MTU (BT_L2CAP_TX_MTU - BT_L2CAP_SDU_HDR_SIZE)
#define BT_L2CAP_SDU_RX_MTU (BT_L2CAP_RX_MTU - BT_L2CAP_SDU_HDR_SIZE)
#define BT_L2CAP_SDU_BUF_SIZE(mtu) BT_L2CAP_BUF_SIZE(BT_L2CAP_SDU_HDR_SIZE + (mtu))
/* Headroom an SDU handed to bt_l2cap_chan_send() must have. */
#define BT_L2CAP_SDU_CHAN_SEND_RESERVE (BT_L2CAP_SDU_BUF_SIZE(0))

#define BT_L2CAP_LE_MIN_MTU 23 /* MTU and MPS: at least this (Vol 3 Part A 4.22) */
#define BT_L2CAP_MAX_MTU UINT16_MAX
#define BT_L2CAP_MAX_MPS 65533

#define BT_L2CAP_CID_ATT 0x0004
#define BT_L2CAP_CID_LE_SIG 0x0005
#define BT_L2CAP_CID_SMP 0x0006
#define BT_L2CAP_CID_LE_DYN_START 0x0040
#define BT_L2CAP_CID_LE_DYN_END 0x007f

#define BT_L2CAP_PSM_LE_DYN_START 0x0080
#define BT_L2CAP_PSM_LE_DYN_END 0x00ff

/* Results of an LE Credit Based Connection Response (Vol 3 Part A 4.23). */
#define BT_L2CAP_LE_SUCCESS 0x0000
#define BT_L2CAP_LE_ERR_PSM_NOT_SUPP 0x0002
#define BT_L2CAP_LE_ERR_NO_RESOURCES 0x0004
#define BT_L2CAP_LE_ERR_AUTHENTICATION 0x0005
#define BT_L2CAP_LE_ERR_AUTHORIZATION 0x0006
#define BT_L2CAP_LE_ERR_KEY_SIZE 0x0007
#define BT_L2CAP_LE_ERR_ENCRYPTION 0x0008
#define BT_L2CAP_LE_ERR_INVALID_SCID 0x0009
#define BT_L2CAP_LE_ERR_SCID_IN_USE 0x000a
#define BT_L2CAP_LE_ERR_UNACCEPT_PARAMS 0x000b

#ifndef CONFIG_BT_L2CAP_MAX_CHAN
#define CONFIG_BT_L2CAP_MAX_CHAN 4 /* credit-based channels per link */
#endif
#ifndef CONFIG_BT_L2CAP_CHAN_TX_QUEUE
#define CONFIG_BT_L2CAP_CHAN_TX_QUEUE 4 /* SDUs waiting per channel */
#endif
#ifndef CONFIG_BT_L2CAP_CHAN_TX_INFLIGHT
#define CONFIG_BT_L2CAP_CHAN_TX_INFLIGHT 4 /* K-frames per channel in the ACL queue/controller */
#endif
#ifndef CONFIG_BT_L2CAP_TX_RESERVE
#define CONFIG_BT_L2CAP_TX_RESERVE 2 /* TX buffers left for signalling and ATT */
#endif
#ifndef CONFIG_BT_L2CAP_RX_INIT_SDUS
#define CONFIG_BT_L2CAP_RX_INIT_SDUS 2
#endif
#ifndef CONFIG_BT_L2CAP_RTX_TIMEOUT_MS
#define CONFIG_BT_L2CAP_RTX_TIMEOUT_MS 20000 /* the spec allows 1..60 s */
#endif
#ifndef CONFIG_BT_L2CAP_DEFERRED_MAX
#define CONFIG_BT_L2CAP_DEFERRED_MAX 4 /* SDUs held through -EINPROGRESS, counted exactly */
#endif

struct bt_l2cap_chan;
struct bt_l2cap_server;

typedef void (*bt_l2cap_chan_destroy_t)(struct bt_l2cap_chan *chan);

typedef enum bt_l2cap_chan_state {
	BT_L2CAP_DISCONNECTED,
	BT_L2CAP_CONNECTING,
	BT_L2CAP_CONFIG,
	BT_L2CAP_CONNECTED,
	BT_L2CAP_DISCONNECTING,
} bt_l2cap_chan_state_t;

typedef enum bt_l2cap_chan_status {
	BT_L2CAP_STATUS_OUT,            /* the channel may send (the peer gave credits) */
	BT_L2CAP_STATUS_SHUTDOWN,       /* being disconnected */
	BT_L2CAP_STATUS_ENCRYPT_PENDING,
	BT_L2CAP_NUM_STATUS,
} bt_l2cap_chan_status_t;

struct bt_l2cap_chan {
	struct bt_conn *conn; /* while attached to a link */
	const struct bt_l2cap_chan_ops *ops;
	sys_snode_t node;
	bt_l2cap_chan_destroy_t destroy;
	atomic_t status[ATOMIC_BITMAP_SIZE(BT_L2CAP_NUM_STATUS)];
};

struct bt_l2cap_le_endpoint {
	uint16_t cid;
	uint16_t mtu;
	uint16_t mps;
	atomic_t credits;
};

struct bt_l2cap_le_chan {
	struct bt_l2cap_chan chan;
	/* Ours: mtu/mps/credits may be set before connect/accept (0: defaults). */
	struct bt_l2cap_le_endpoint rx;
	/* The peer's receiving endpoint as it announced it. */
	struct bt_l2cap_le_endpoint tx;
	bt_l2cap_chan_state_t state;
	uint16_t psm;
	uint8_t ident; /* of our pending request, 0: none */
	bt_security_t required_sec_level;
	/* zble: why it closed (0: a disconnection request; -ECONNREFUSED with
	 * result set; -ETIMEDOUT no response; -EPROTO a protocol violation;
	 * -ENOTCONN the link went) and the peer's refusal result. */
	int err;
	uint16_t result;

	/* Private to the host. */
	sys_slist_t _tx_queue;    /* SDUs to send; the head may be partly sent */
	uint8_t _tx_queued;
	bool _tx_started;         /* the head's first K-frame is out */
	uint16_t _tx_inflight;    /* K-frames handed to the ACL layer, not completed */
	uint16_t _tag;            /* names the channel in ACL completions */
	struct net_buf *_sdu;     /* SDU being reassembled */
	uint16_t _sdu_len;
	uint16_t _sdu_frames;     /* K-frames (credits) it used so far */
	uint16_t _rx_owed;        /* credits to give back, not yet sent */
	uint16_t _deferred[CONFIG_BT_L2CAP_DEFERRED_MAX]; /* credits of SDUs the app holds */
	uint8_t _deferred_n;
	uint16_t _deferred_merged; /* held SDUs whose credits a full table's last entry carries */
	uint16_t _rx_init_credits; /* rx.credits as set before connecting (0: default); restored on close */
	int64_t _rtx_deadline;    /* uptime ms our pending request times out */
};

#define BT_L2CAP_LE_CHAN(_ch) CONTAINER_OF(_ch, struct bt_l2cap_le_chan, chan)

struct bt_l2cap_chan_ops {
	void (*connected)(struct bt_l2cap_chan *chan);
	/* Also when a connection attempt fails. */
	void (*disconnected)(struct bt_l2cap_chan *chan);
	void (*encrypt_change)(struct bt_l2cap_chan *chan, uint8_t hci_status);
	struct net_buf *(*alloc_seg)(struct bt_l2cap_chan *chan);
	/* A buffer for one incoming SDU (tailroom >= rx.mtu); required. */
	struct net_buf *(*alloc_buf)(struct bt_l2cap_chan *chan);
	/* One whole SDU. 0: done with buf (the host frees it); -EINPROGRESS:
	 * the application keeps buf and calls bt_l2cap_chan_recv_complete(). */
	int (*recv)(struct bt_l2cap_chan *chan, struct net_buf *buf);
	/* One SDU has been sent (the controller reported all of it). */
	void (*sent)(struct bt_l2cap_chan *chan);
	/* status changed: BT_L2CAP_STATUS_OUT is set while the peer's credits last. */
	void (*status)(struct bt_l2cap_chan *chan, atomic_t *status);
	/* After disconnected: the host no longer refers to the channel. */
	void (*released)(struct bt_l2cap_chan *chan);
	void (*reconfigured)(struct bt_l2cap_chan *chan);
};

struct bt_l2cap_server {
	/* 0 at registration: a free dynamic PSM (0x0080..0x00ff) is chosen. */
	uint16_t psm;
	/* Required of the link before accept is asked (L1 if lower). */
	bt_security_t sec_level;
	/* A new channel from the peer: set *chan and return 0, or refuse with
	 * -ENOMEM (no resources), -EACCES (authorization), -EPERM (encryption
	 * key size); other errors refuse with no resources. Runs in the host
	 * context. */
	int (*accept)(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan);
	sys_snode_t node;
};

/* 0; -EINVAL (no accept, PSM beyond 0x00ff, bad sec_level); -EADDRINUSE
 * (PSM taken); -EADDRNOTAVAIL (no dynamic PSM left); -ENODEV (no host). */
int bt_l2cap_server_register(struct bt_l2cap_server *server);

/* Sends an LE Credit Based Connection Request; ops->connected or
 * ops->disconnected follows. 0; -EINVAL; -ENOTCONN; -EBUSY (chan in use);
 * -ENOMEM (CONFIG_BT_L2CAP_MAX_CHAN reached or no CID); -ENOBUFS. */
int bt_l2cap_chan_connect(struct bt_conn *conn, struct bt_l2cap_chan *chan, uint16_t psm);

/* Sends a Disconnection Request; ops->disconnected follows the response
 * (or the RTX timeout). A channel still connecting waits for the peer's
 * answer to the connection request: refused, it closes then; accepted, the
 * Disconnection Request follows. 0; -EINVAL; -ENOTCONN (not connected or
 * already disconnecting). */
int bt_l2cap_chan_disconnect(struct bt_l2cap_chan *chan);

/* Queues one SDU (buf->len <= tx.mtu); on success the host owns buf. 0;
 * -EINVAL (NULL, too little headroom); -EMSGSIZE; -ENOTCONN (no link);
 * -ESHUTDOWN (channel not connected); -EAGAIN (queue full). */
int bt_l2cap_chan_send(struct bt_l2cap_chan *chan, struct net_buf *buf);

/* Gives the peer more credits (a Flow Control Credit Indication; before
 * the channel is connected: more initial credits). 0, -EINVAL, -ENOTCONN. */
int bt_l2cap_chan_give_credits(struct bt_l2cap_chan *chan, uint16_t additional_credits);

/* Ends the reception of an SDU ops->recv kept (-EINPROGRESS): frees buf and
 * gives its credits back. Takes buf in every case. 0, -EINVAL, -ENOTCONN. */
int bt_l2cap_chan_recv_complete(struct bt_l2cap_chan *chan, struct net_buf *buf);

#endif
