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

#define EVT_DISCONN_COMPLETE 0x05
#define EVT_CMD_COMPLETE 0x0e
#define EVT_CMD_STATUS 0x0f
#define EVT_NUM_COMPLETED_PACKETS 0x13
#define EVT_DATA_BUF_OVERFLOW 0x1a
#define EVT_LE_META 0x3e
#define LE_CONN_COMPLETE 0x01
#define LE_ADV_REPORT 0x02
#define LE_CONN_UPDATE_COMPLETE 0x03
#define LE_REMOTE_FEAT_COMPLETE 0x04
#define LE_CONN_PARAM_REQ 0x06
#define LE_DATA_LEN_CHANGE 0x07
#define LE_ENH_CONN_COMPLETE 0x0a

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
/* The address this controller uses on air for an own-address type. */
void ctrl_own_addr(const struct zble_sim_ctrl *c, uint8_t own_type, uint8_t *type, uint8_t addr[6]);

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
/* An advertising report from a beacon (no controller) to scanner s. */
void radio_report(struct zble_sim_ctrl *s, uint8_t evt_type, uint8_t addr_type, const uint8_t addr[6],
		  const uint8_t *data, uint8_t dlen, int8_t rssi);

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

#endif
