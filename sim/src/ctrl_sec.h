/* Security and privacy of the simulated controller: the hooks that ctrl.c
 * and radio.c call, and what ctrl_sec.c, ctrl_enc.c and privacy.c share.
 * Included at the end of sim_internal.h. */
#ifndef ZBLE_SIM_CTRL_SEC_H
#define ZBLE_SIM_CTRL_SEC_H

/* LL control opcodes of encryption (Vol 6 Part B 2.4.2). */
#define LL_ENC_REQ 0x03
#define LL_ENC_RSP 0x04
#define LL_START_ENC_REQ 0x05
#define LL_START_ENC_RSP 0x06
#define LL_PAUSE_ENC_REQ 0x0a
#define LL_PAUSE_ENC_RSP 0x0b
#define LL_REJECT_IND 0x0d

#define ST_PIN_OR_KEY_MISSING 0x06
#define ST_INSUFFICIENT_SECURITY 0x2f
#define ST_MIC_FAILURE 0x3d

/* ---- hooks ---- */

/* ctrl_own_addr, own address types 0x02/0x03: true with the RPA to use on
 * air (address resolution on and a local IRK in the resolving list); false:
 * the caller falls back to the public (0x02) or random (0x03) address. */
bool ctrl_sec_own_rpa(const struct zble_sim_ctrl *c, uint8_t addr[6]);
/* An advertising report about to go to scanner s, its advertiser address
 * (*type, addr) changed in place: a peer RPA that the resolving list
 * resolves becomes the identity (type 0x02/0x03). False: drop the report
 * (network privacy mode: a peer with an IRK seen on its identity). */
bool ctrl_sec_report_addr(struct zble_sim_ctrl *s, uint8_t *type, uint8_t addr[6]);
/* Does initiator s's peer (LE Create Connection) match advertiser address
 * (type, addr), directly or through the resolving list? */
bool ctrl_sec_init_match(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6]);
/* Directed advertising from c with own_type 0x02/0x03 and address
 * resolution on: TargetA, the peer's identity (*type, addr) on entry,
 * becomes an RPA made from the peer's IRK when the resolving list has one. */
void ctrl_sec_target_addr(const struct zble_sim_ctrl *c, uint8_t own_type, uint8_t *type, uint8_t addr[6]);
/* Is TargetA (type, addr) an RPA that scanner/initiator s resolves with
 * one of its local IRKs, i.e. directed at s? */
bool ctrl_sec_target_resolves(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6]);
/* A (Enhanced) Connection Complete event ev about to go to c's host
 * (ev[0] is the subevent code; adv_handle the peripheral's advertising
 * set or NO_ADV_SET): fills the local and peer RPA fields and replaces a
 * resolved peer RPA with the identity. */
void ctrl_sec_conn_addrs(struct zble_sim_ctrl *c, uint8_t *ev, bool enhanced, uint8_t adv_handle);
/* An LL control PDU from side s of l arrived at the other side: true when
 * it belongs to encryption (handled here). */
bool ctrl_sec_ll_rx(struct zble_sim *sim, struct zble_sim_link *l, int s, const struct zble_sim_llctrl *pdu);

/* ---- between the security modules ---- */

/* privacy.c */
bool privacy_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len);
void privacy_supported_commands(uint8_t out[64]);
void privacy_reset(struct zble_sim_ctrl *c);

/* ctrl_enc.c */
bool enc_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len);
void enc_supported_commands(uint8_t out[64]);

/* ctrl_sec.c: n octets from the controller's security random stream. */
void sec_rand(struct zble_sim_ctrl *c, uint8_t *out, size_t n);

#endif
