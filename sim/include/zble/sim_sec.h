/* Security and privacy state of a simulated controller and of a link
 * (sim/src/ctrl_sec.c, ctrl_enc.c, privacy.c). Included by zble/sim.h after
 * struct zble_sim_rng; not for use on its own. */
#ifndef ZBLE_SIM_SEC_H
#define ZBLE_SIM_SEC_H

#include <stdbool.h>
#include <stdint.h>

/* Resolving list entries per controller. */
#ifndef ZBLE_SIM_RL_SIZE
#define ZBLE_SIM_RL_SIZE 8
#endif

/* One resolving list entry; IRKs as HCI carries them (LSO first). */
struct zble_sim_rl_entry {
	bool used;
	bool device_mode;    /* privacy mode: device (true) or network (false) */
	uint8_t id_type;     /* 0 public, 1 random (static) identity */
	uint8_t id[6];
	uint8_t peer_irk[16], local_irk[16];
	uint8_t peer_rpa[6]; /* the RPA the peer was last seen with (zero: none) */
};

struct zble_sim_ctrl_sec {
	/* Keys, SKD/IV and the RPA secret come from here: a stream of its own,
	 * so that using security never shifts the radio's timing draws. */
	struct zble_sim_rng rng;
	bool rng_seeded;
	/* P-256 key pair of LE Read Local P-256 Public Key (LSO first) */
	bool key_valid;
	uint8_t priv[32], pub[64];
	/* privacy */
	struct zble_sim_rl_entry rl[ZBLE_SIM_RL_SIZE];
	bool res_enabled;
	uint16_t rpa_timeout_s;
	uint64_t rpa_base;      /* RPA periods count from here (us) */
	uint32_t rpa_gen;       /* bumped to force fresh RPAs */
	uint8_t rpa_secret[16]; /* keys the draw of each period's prand */
};

/* Encryption of one link (side 0 central, 1 peripheral). */
struct zble_sim_link_sec {
	uint8_t proc;       /* the central's encryption procedure stage */
	bool refresh;       /* the procedure replaces a key: Key Refresh Complete */
	bool encrypted;     /* both directions run encrypted */
	bool ltk_wait;      /* the peripheral's host owes an LTK (negative) reply */
	uint8_t rand[8];    /* of LE Enable Encryption, as LL_ENC_REQ carries them */
	uint16_t ediv;
	uint8_t skd[16];    /* SKDm (low octets) || SKDs, LSO first */
	uint8_t iv[8];      /* IVm || IVs */
	uint8_t ltk[2][16]; /* the LTK each side's host gave */
	uint8_t sk[2][16];  /* the session key each side derived */
	uint32_t mic_failures;
};

#endif
