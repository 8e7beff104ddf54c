/* What the simulator's modules share; not a public API. */
#ifndef ZBLE_SIM_INTERNAL_H
#define ZBLE_SIM_INTERNAL_H

#include <errno.h>
#include <string.h>

#include "zble/sim.h"

/* HCI opcodes (OGF << 10 | OCF), events and status codes used here. */
#define OP(ogf, ocf) ((uint16_t)(((ogf) << 10) | (ocf)))
#define OP_DISCONNECT OP(0x01, 0x0006)
#define OP_SET_EVENT_MASK OP(0x03, 0x0001)
#define OP_RESET OP(0x03, 0x0003)
#define OP_SET_EVENT_MASK_PAGE_2 OP(0x03, 0x0063)
#define OP_READ_LOCAL_VERSION OP(0x04, 0x0001)
#define OP_READ_LOCAL_COMMANDS OP(0x04, 0x0002)
#define OP_READ_LOCAL_FEATURES OP(0x04, 0x0003)
#define OP_READ_BUFFER_SIZE OP(0x04, 0x0005)
#define OP_READ_BD_ADDR OP(0x04, 0x0009)
#define OP_LE_SET_EVENT_MASK OP(0x08, 0x0001)
#define OP_LE_READ_BUFFER_SIZE OP(0x08, 0x0002)
#define OP_LE_READ_LOCAL_FEATURES OP(0x08, 0x0003)
#define OP_LE_SET_RANDOM_ADDRESS OP(0x08, 0x0005)
#define OP_LE_SET_ADV_PARAM OP(0x08, 0x0006)
#define OP_LE_SET_ADV_DATA OP(0x08, 0x0008)
#define OP_LE_SET_SCAN_RSP_DATA OP(0x08, 0x0009)
#define OP_LE_SET_ADV_ENABLE OP(0x08, 0x000a)
#define OP_LE_SET_SCAN_PARAM OP(0x08, 0x000b)
#define OP_LE_SET_SCAN_ENABLE OP(0x08, 0x000c)
#define OP_LE_CREATE_CONN OP(0x08, 0x000d)
#define OP_LE_CREATE_CONN_CANCEL OP(0x08, 0x000e)
#define OP_LE_CONN_UPDATE OP(0x08, 0x0013)
#define OP_LE_READ_REMOTE_FEATURES OP(0x08, 0x0016)
#define OP_LE_RAND OP(0x08, 0x0018)
#define OP_LE_CONN_PARAM_REPLY OP(0x08, 0x0020)
#define OP_LE_CONN_PARAM_NEG_REPLY OP(0x08, 0x0021)
#define OP_LE_SET_DATA_LEN OP(0x08, 0x0022)
#define OP_LE_READ_DEFAULT_DATA_LEN OP(0x08, 0x0023)
#define OP_LE_WRITE_DEFAULT_DATA_LEN OP(0x08, 0x0024)
#define OP_LE_READ_MAX_DATA_LEN OP(0x08, 0x002f)
#define OP_READ_REMOTE_VERSION OP(0x01, 0x001d)
#define OP_READ_TX_POWER_LEVEL OP(0x03, 0x002d)
#define OP_READ_RSSI OP(0x05, 0x0005)
#define OP_LE_READ_FAL_SIZE OP(0x08, 0x000f)
#define OP_LE_CLEAR_FAL OP(0x08, 0x0010)
#define OP_LE_ADD_FAL OP(0x08, 0x0011)
#define OP_LE_REMOVE_FAL OP(0x08, 0x0012)
#define OP_LE_READ_CHAN_MAP OP(0x08, 0x0015)
#define OP_LE_READ_PHY OP(0x08, 0x0030)
#define OP_LE_SET_DEFAULT_PHY OP(0x08, 0x0031)
#define OP_LE_SET_PHY OP(0x08, 0x0032)
#define OP_LE_SET_ADV_SET_RANDOM_ADDR OP(0x08, 0x0035)
#define OP_LE_SET_EXT_ADV_PARAM OP(0x08, 0x0036)
#define OP_LE_SET_EXT_ADV_DATA OP(0x08, 0x0037)
#define OP_LE_SET_EXT_SCAN_RSP_DATA OP(0x08, 0x0038)
#define OP_LE_SET_EXT_ADV_ENABLE OP(0x08, 0x0039)
#define OP_LE_READ_MAX_ADV_DATA_LEN OP(0x08, 0x003a)
#define OP_LE_READ_NUM_ADV_SETS OP(0x08, 0x003b)
#define OP_LE_REMOVE_ADV_SET OP(0x08, 0x003c)
#define OP_LE_CLEAR_ADV_SETS OP(0x08, 0x003d)
#define OP_LE_SET_EXT_SCAN_PARAM OP(0x08, 0x0041)
#define OP_LE_SET_EXT_SCAN_ENABLE OP(0x08, 0x0042)
#define OP_LE_EXT_CREATE_CONN OP(0x08, 0x0043)
#define OP_LE_READ_TX_POWER OP(0x08, 0x004b)
#define OP_LE_READ_BUFFER_SIZE_V2 OP(0x08, 0x0060)

#define EVT_DISCONN_COMPLETE 0x05
#define EVT_CMD_COMPLETE 0x0e
#define EVT_CMD_STATUS 0x0f
#define EVT_NUM_COMPLETED_PACKETS 0x13
#define EVT_DATA_BUF_OVERFLOW 0x1a
#define EVT_REMOTE_VERSION_COMPLETE 0x0c
#define EVT_LE_META 0x3e
#define LE_CONN_COMPLETE 0x01
#define LE_ADV_REPORT 0x02
#define LE_CONN_UPDATE_COMPLETE 0x03
#define LE_REMOTE_FEAT_COMPLETE 0x04
#define LE_CONN_PARAM_REQ 0x06
#define LE_DATA_LEN_CHANGE 0x07
#define LE_ENH_CONN_COMPLETE 0x0a
#define LE_PHY_UPDATE_COMPLETE 0x0c
#define LE_EXT_ADV_REPORT 0x0d
#define LE_SCAN_TIMEOUT 0x11
#define LE_ADV_SET_TERMINATED 0x12
#define LE_SCAN_REQ_RECEIVED 0x13
#define LE_CHAN_SEL_ALGO 0x14
#define LE_ENH_CONN_COMPLETE_V2 0x29

#define ST_SUCCESS 0x00
#define ST_UNKNOWN_CMD 0x01
#define ST_UNKNOWN_CONN_ID 0x02
#define ST_CONN_TIMEOUT 0x08
#define ST_CONN_LIMIT 0x09
#define ST_CMD_DISALLOWED 0x0c
#define ST_INVALID_PARAM 0x12
#define ST_LOCALHOST_TERM 0x16
#define ST_UNSUPP_REMOTE_FEATURE 0x1a
#define ST_INSTANT_PASSED 0x28
#define ST_ADV_TIMEOUT 0x3c
#define ST_MEM_EXCEEDED 0x07
#define ST_UNSUPP_FEATURE 0x11
#define ST_LL_PROC_COLLISION 0x23
#define ST_UNKNOWN_ADV_ID 0x42
#define ST_LIMIT_REACHED 0x43

/* Advertising PDU types as the HCI names them (LE Set Advertising Parameters). */
#define ADV_IND 0x00
#define ADV_DIRECT_IND_HIGH 0x01
#define ADV_SCAN_IND 0x02
#define ADV_NONCONN_IND 0x03
#define ADV_DIRECT_IND_LOW 0x04
/* Advertising report event types. */
#define RPT_ADV_IND 0x00
#define RPT_ADV_DIRECT_IND 0x01
#define RPT_ADV_SCAN_IND 0x02
#define RPT_ADV_NONCONN_IND 0x03
#define RPT_SCAN_RSP 0x04

/* LL control opcodes (Vol 6 Part B 2.4.2). */
#define LL_CONNECTION_UPDATE_IND 0x00
#define LL_TERMINATE_IND 0x02
#define LL_FEATURE_REQ 0x08
#define LL_FEATURE_RSP 0x09
#define LL_PERIPHERAL_FEATURE_REQ 0x0e
#define LL_CONNECTION_PARAM_REQ 0x0f
#define LL_REJECT_EXT_IND 0x11
#define LL_LENGTH_REQ 0x14
#define LL_LENGTH_RSP 0x15
#define LL_VERSION_IND 0x0c
#define LL_PHY_REQ 0x16
#define LL_PHY_RSP 0x17
#define LL_PHY_UPDATE_IND 0x18

/* Advertising_Event_Properties bits. */
#define PROP_CONN 0x0001
#define PROP_SCAN 0x0002
#define PROP_DIRECTED 0x0004
#define PROP_HIGH_DUTY 0x0008
#define PROP_LEGACY 0x0010
#define PROP_ANON 0x0020
#define PROP_TX_POWER 0x0040
/* Extended advertising report event type bits. */
#define EXT_RPT_CONN 0x0001
#define EXT_RPT_SCAN 0x0002
#define EXT_RPT_DIRECTED 0x0004
#define EXT_RPT_SCAN_RSP 0x0008
#define EXT_RPT_LEGACY 0x0010
#define EXT_RPT_MORE 0x0020 /* data status: incomplete, more to come */
/* Data per extended report: 255 minus subevent, count and a 24-byte report. */
#define EXT_RPT_DATA_MAX 229
#define NO_ADV_SET 0xff

#define T_IFS_US 150u
#define NO_LINK 0xff

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* sim.c */
uint64_t sim_rng_next(struct zble_sim_rng *r);
void sim_rng_seed(struct zble_sim_rng *r, uint64_t seed);
uint32_t sim_rng_below(struct zble_sim_rng *r, uint32_t n);
void sim_timer_arm(struct zble_sim *sim, struct zble_sim_timer *t, uint64_t at);
void sim_timer_cancel(struct zble_sim_timer *t);

/* ctrl.c: HCI side */
void ctrl_init(struct zble_sim_device *dev, const struct zble_sim_device_config *cfg);
void ctrl_reset(struct zble_sim_ctrl *c);
void ctrl_cmd_timer(struct zble_sim_ctrl *c);
/* Queues a packet to the host (H4 type byte first) and tries to deliver. */
void ctrl_to_host(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len, bool discardable);
void ctrl_flush(struct zble_sim_ctrl *c);
void ctrl_event(struct zble_sim_ctrl *c, uint8_t code, const uint8_t *params, uint8_t len);
bool ctrl_le_event_enabled(const struct zble_sim_ctrl *c, unsigned bit);
void ctrl_le_event(struct zble_sim_ctrl *c, unsigned mask_bit, const uint8_t *params, uint8_t len);
/* LE local features this controller supports (8 octets). */
void ctrl_le_features(uint8_t out[8]);
void ctrl_cmd_complete(struct zble_sim_ctrl *c, uint16_t opcode, const uint8_t *rp, uint8_t rp_len);
void ctrl_cmd_complete_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status);
void ctrl_cmd_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status);
/* Refuses a command with status, in a Command Status if with_status (the
 * command answers with one), else in a Command Complete. */
void ctrl_cmd_refuse(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status, bool with_status);
/* Refuses a command with Invalid HCI Command Parameters unless its plen
 * octets of parameters are min or more and fill the packet of len octets
 * (header included); true if it refused. */
bool ctrl_cmd_bad_len(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t plen, size_t len, int min, bool with_status);
/* Command Complete with status and connection handle. */
void ctrl_handle_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status, uint16_t handle);
bool ctrl_conn_room(const struct zble_sim_ctrl *c);
bool ctrl_conn_params_valid(uint16_t min, uint16_t max, uint16_t latency, uint16_t timeout);
/* The address this controller uses on air for an own-address type. */
void ctrl_own_addr(const struct zble_sim_ctrl *c, uint8_t own_type, uint8_t *type, uint8_t addr[6]);
/* Own address type 0x01, or 0x03 without a resolving list entry to make an
 * RPA from, while no random address was set: enabling advertising,
 * scanning or initiating fails with Invalid HCI Command Parameters
 * (Vol 4 Part E 7.8.9, 7.8.11, 7.8.12, 7.8.65, 7.8.66). */
bool ctrl_random_missing(const struct zble_sim_ctrl *c, uint8_t own_type);

/* ctrl_ext_adv.c: advertising set commands (true: op was theirs) */
bool ctrl_ext_adv_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen);
void ctrl_ext_adv_reset(struct zble_sim_ctrl *c);
/* The address set a advertises with. */
void ctrl_set_addr(const struct zble_sim_ctrl *c, const struct zble_sim_adv_set *a, uint8_t *type, uint8_t addr[6]);
struct zble_sim_adv_set *ctrl_set_find(struct zble_sim_ctrl *c, uint8_t handle);
/* ctrl_ext_scan.c: extended scanning and LE Extended Create Connection */
bool ctrl_ext_scan_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen);
/* ctrl_link.c: PHY, remote version, RSSI, channel map, TX power */
bool ctrl_link_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen);
/* ctrl_fal.c: the Filter Accept List */
bool ctrl_fal_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen);
bool ctrl_fal_has(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6]);
/* Something enabled uses the list: it must not change now. */
bool ctrl_fal_in_use(const struct zble_sim_ctrl *c);

/* radio.c: link layer */
void radio_adv_enable(struct zble_sim_ctrl *c, bool enable);
void radio_adv_timer(struct zble_sim_ctrl *c);
void radio_link_timer(struct zble_sim *sim, struct zble_sim_link *l);
int radio_side(const struct zble_sim_link *l, const struct zble_sim_device *dev);
struct zble_sim_link *radio_link_of(struct zble_sim_ctrl *c, uint16_t handle, int *side);
bool radio_queue_ctrl(struct zble_sim_link *l, int side, const struct zble_sim_llctrl *pdu);
void radio_init_cancel(struct zble_sim_ctrl *c);
/* Drops every link of c without telling it (reset, removal). */
void radio_drop_links(struct zble_sim_ctrl *c);
void radio_disconnect_side(struct zble_sim *sim, struct zble_sim_link *l, int side, uint8_t reason);
/* A legacy advertising PDU (or a beacon's, without a controller) as
 * scanner s reports it, in the form the scanner uses. Directed PDUs carry
 * TargetA (ttype, taddr; NULL otherwise) for the extended report's
 * Direct_Address. */
void radio_report(struct zble_sim_ctrl *s, uint8_t adv_type, bool scan_rsp, uint8_t addr_type, const uint8_t addr[6],
		  uint8_t ttype, const uint8_t *taddr, const uint8_t *data, uint8_t dlen, int8_t rssi);
/* Direct_Address_Type and Direct_Address of an extended advertising report
 * (Vol 4 Part E 7.7.65.13) for TargetA (type, addr) received by scanner s
 * scanning with own_type: an RPA that s resolves is reported as the
 * identity it stands for (0x02: public, own address type 0x00/0x02;
 * 0x03: random static, 0x01/0x03), one it cannot resolve as 0xfe, any
 * other address as it is. */
void radio_direct_addr(const struct zble_sim_ctrl *s, uint8_t own_type, uint8_t type, const uint8_t addr[6],
		       uint8_t *dir_type, uint8_t dir[6]);
/* One legacy advertising PDU (from legacy advertising or a set using
 * legacy PDUs) as a scanner or initiator s receives it. */
struct radio_legacy_adv {
	uint8_t type;          /* ADV_IND ... ADV_DIRECT_IND_LOW */
	uint8_t atype;         /* advertiser's address on air */
	uint8_t addr[6];
	uint8_t peer_type;     /* directed: the target */
	uint8_t peer[6];
	uint8_t filter;        /* advertising filter policy */
	const uint8_t *data, *rsp;
	uint8_t dlen, rlen;
	uint8_t set;           /* advertising handle, NO_ADV_SET: legacy */
	bool scan_req_notify;
};
/* True when s connected (the advertising ends). */
bool radio_legacy_pdu(struct zble_sim_ctrl *c, struct zble_sim_ctrl *s, const struct radio_legacy_adv *a);
/* Scan Request Received to the advertiser of set handle. */
void radio_scan_req_received(struct zble_sim_ctrl *c, uint8_t handle, const struct zble_sim_ctrl *s);
/* Is scanner s listening on this primary PHY now? */
bool radio_scanning(const struct zble_sim_ctrl *s, uint64_t now, uint8_t phy);
/* Is s active-scanning (sends scan requests) on this PHY? */
bool radio_scan_active(const struct zble_sim_ctrl *s, uint8_t phy);
/* Is initiator s listening on this primary PHY now? */
bool radio_init_listening(const struct zble_sim_ctrl *s, uint64_t now, uint8_t phy);
/* Does s's scanner filter policy accept this advertiser (undirected)? */
bool radio_scan_accepts(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6]);
/* Would initiator s connect to this advertiser (filter policy, peer)? */
bool radio_init_accepts(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6]);
/* Does a directed PDU to (type, addr) reach s (own address, RPA under
 * extended scanner filter policies)? own_type: the own address type s uses. */
bool radio_targets(const struct zble_sim_ctrl *s, uint8_t own_type, uint8_t type, const uint8_t addr[6], bool scanning);
/* Where the advertising came from, for a connection. */
struct radio_adv_src {
	uint8_t type;     /* advertiser's address on air */
	uint8_t addr[6];
	uint8_t set;      /* advertising handle, NO_ADV_SET: legacy advertising */
	uint8_t phy;      /* PHY the connection starts on */
	uint32_t pdu_us;  /* air time of the PDU the initiator answers */
};
/* CONNECT_IND (or AUX_CONNECT_REQ) from initiator s to advertiser c, now. */
bool radio_connect(struct zble_sim_ctrl *c, struct zble_sim_ctrl *s, const struct radio_adv_src *src);
/* One extended advertising report (fragmented into several events when
 * the data does not fit one), subject to duplicate filtering. */
struct radio_ext_rpt {
	uint16_t evt;
	uint8_t addr_type;
	uint8_t addr[6];
	uint8_t pri_phy, sec_phy, sid;
	int8_t tx_power, rssi;
	uint8_t dir_type;
	uint8_t dir[6];
};
void radio_ext_report(struct zble_sim_ctrl *s, const struct radio_ext_rpt *r, const uint8_t *data, uint16_t len);
/* Scan duration/period timer (extended scanning). */
void radio_scan_timer(struct zble_sim_ctrl *c);
/* radio_llcp.c: PHY update and version exchange; packet sizes per PHY.
 * The starts queue the first PDU from side (false: queue full). */
bool radio_phy_start(struct zble_sim_link *l, int side);
bool radio_version_start(struct zble_sim *sim, struct zble_sim_link *l, int side);
/* Handles the PDUs of these procedures (true), from side s. */
bool llcp_deliver(struct zble_sim *sim, struct zble_sim_link *l, int s, const struct zble_sim_llctrl *pdu);
/* At an anchor point: a PHY change whose instant has come. */
void llcp_phy_instant(struct zble_sim *sim, struct zble_sim_link *l);
/* connEffectiveMaxTxTime of side s (at least 2704 us on LE Coded). */
uint16_t llcp_eff_time(const struct zble_sim_link *l, int side);
/* Largest LL payload side s may send now (octets, time on its PHY). */
uint16_t llcp_tx_octets(const struct zble_sim_link *l, int side);
/* LE Data Length Change to both hosts, with the effective values. */
void llcp_dlc_event(struct zble_sim *sim, const struct zble_sim_link *l);

/* adv_set.c: advertising sets on air */
void adv_set_enable(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, bool enable);
void adv_set_timer(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a);
/* The set ends: Advertising Set Terminated (status, connection handle). */
void adv_set_terminate(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, uint8_t status, uint16_t handle);

/* realtime.c: in real-time mode, waits for the wall clock to reach target
 * (the next event, deadline or stop time) while taking outside input.
 * 0: go on (target reached); > 0: input was taken, look again; < 0: stop. */
int sim_rt_pace(struct zble_sim *sim, uint64_t target);

/* faults.c */
/* The fault hook of ctrl_to_host: true when the packet was taken (dropped,
 * delayed, withheld). */
bool faults_to_host(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len, bool discardable);
/* True when the command with this opcode is to be swallowed. */
bool faults_swallow(struct zble_sim_ctrl *c, uint16_t opcode);
/* A command with this opcode arrived from the host (stray completions). */
void faults_cmd_received(struct zble_sim_ctrl *c, uint16_t opcode);
/* Forgets packets held back (reset, close). */
void faults_flush(struct zble_sim_ctrl *c);
void faults_timer(struct zble_sim_ctrl *c);
void population_timer(struct zble_sim_population *pop);
/* CRC error draw for one packet of l. */
bool faults_crc_error(struct zble_sim_link *l);

/* Security and privacy (ctrl_sec.c): encryption, LE Encrypt, P-256,
 * resolving list. ctrl_sec_cmd answers the commands it owns (true) and
 * leaves the rest to ctrl.c (false); plen is the parameter length, len the
 * command's length without the H4 byte. */
bool ctrl_sec_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len);
void ctrl_sec_supported_commands(uint8_t out[64]);
void ctrl_sec_le_features(uint8_t out[8]);
void ctrl_sec_reset(struct zble_sim_ctrl *c);
#include "ctrl_sec.h" /* the other security hooks */

#endif
