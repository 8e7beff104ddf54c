/* Security and privacy commands of the simulated controller: the entry
 * points ctrl.c calls, LE Encrypt, the P-256 commands (LE Read Local P-256
 * Public Key, LE Generate DHKey v1/v2) and the security random stream.
 * Encryption is in ctrl_enc.c, the resolving list in privacy.c. */
#include "sim_internal.h"
#include "aes128.h"
#include "p256.h"

#define OP_LE_ENCRYPT OP(0x08, 0x0017)
#define OP_LE_READ_P256_KEY OP(0x08, 0x0025)
#define OP_LE_GEN_DHKEY OP(0x08, 0x0026)
#define OP_LE_GEN_DHKEY_V2 OP(0x08, 0x005e)

#define LE_P256_KEY_COMPLETE 0x08
#define LE_DHKEY_COMPLETE 0x09

/* The SMP debug private key (Core Vol 3 Part H 2.3.5.6.1), LSO first: LE
 * Generate DHKey v2 with Key_Type 1 uses it. */
static const uint8_t debug_priv[32] = {
	0xbd, 0x1a, 0x3c, 0xcd, 0xa6, 0xb8, 0x99, 0x58,
	0x99, 0xb7, 0x40, 0xeb, 0x7b, 0x60, 0xff, 0x4a,
	0x50, 0x3f, 0x10, 0xd2, 0xe3, 0xb3, 0xc9, 0x74,
	0x38, 0x5f, 0xc5, 0xa3, 0xd4, 0xf6, 0x49, 0x3f,
};

void sec_rand(struct zble_sim_ctrl *c, uint8_t *out, size_t n)
{
	struct zble_sim_ctrl_sec *sec = &c->sec;
	if (!sec->rng_seeded) {
		sim_rng_seed(&sec->rng, c->dev->sim->seed ^ (0x5ec0de5ec0de5ec0ull * (c->dev->index + 1u)));
		sec->rng_seeded = true;
	}
	for (size_t i = 0; i < n; i += 8) {
		uint8_t b[8];
		put_le64(b, sim_rng_next(&sec->rng));
		memcpy(out + i, b, n - i < 8 ? n - i : 8);
	}
}

static void read_p256_key(struct zble_sim_ctrl *c, uint16_t op)
{
	struct zble_sim_ctrl_sec *sec = &c->sec;
	ctrl_cmd_status(c, op, ST_SUCCESS);
	do {
		sec_rand(c, sec->priv, 32); /* n is close to 2^256: rarely redrawn */
	} while (!sim_p256_pubkey(sec->priv, sec->pub));
	sec->key_valid = true;
	uint8_t ev[2 + 64] = { LE_P256_KEY_COMPLETE, ST_SUCCESS };
	memcpy(ev + 2, sec->pub, 64);
	ctrl_le_event(c, 7, ev, sizeof(ev));
}

static void gen_dhkey(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, bool v2)
{
	uint8_t key_type = v2 ? p[64] : 0;
	uint8_t st = key_type > 1 ? ST_INVALID_PARAM : key_type == 0 && !c->sec.key_valid ? ST_CMD_DISALLOWED
											    : ST_SUCCESS;
	ctrl_cmd_status(c, op, st);
	if (st) {
		return;
	}
	uint8_t ev[2 + 32] = { LE_DHKEY_COMPLETE, ST_SUCCESS };
	/* An invalid remote key fails in the event (Vol 4 Part E 7.8.37). */
	if (!sim_p256_dhkey(key_type ? debug_priv : c->sec.priv, p, ev + 2)) {
		ev[1] = ST_INVALID_PARAM;
		memset(ev + 2, 0xff, 32);
	}
	ctrl_le_event(c, 8, ev, sizeof(ev));
}

static int min_len(uint16_t op)
{
	switch (op) {
	case OP_LE_ENCRYPT:
		return 32;
	case OP_LE_READ_P256_KEY:
		return 0;
	case OP_LE_GEN_DHKEY:
		return 64;
	case OP_LE_GEN_DHKEY_V2:
		return 65;
	default:
		return -1;
	}
}

bool ctrl_sec_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len)
{
	if (privacy_cmd(c, op, p, plen, len) || enc_cmd(c, op, p, plen, len)) {
		return true;
	}
	int min = min_len(op);
	if (min < 0) {
		return false;
	}
	if (ctrl_cmd_bad_len(c, op, plen, len, min, op != OP_LE_ENCRYPT)) {
		return true;
	}
	switch (op) {
	case OP_LE_ENCRYPT: {
		uint8_t rp[17] = { ST_SUCCESS };
		sim_le_e(p, p + 16, rp + 1);
		ctrl_cmd_complete(c, op, rp, 17);
		break;
	}
	case OP_LE_READ_P256_KEY:
		read_p256_key(c, op);
		break;
	default:
		gen_dhkey(c, op, p, op == OP_LE_GEN_DHKEY_V2);
		break;
	}
	return true;
}

void ctrl_sec_supported_commands(uint8_t out[64])
{
	out[27] |= 1u << 6;               /* LE Encrypt */
	out[34] |= (1u << 1) | (1u << 2); /* LE Read Local P-256 Public Key, LE Generate DHKey [v1] */
	out[41] |= 1u << 2;               /* LE Generate DHKey [v2] */
	enc_supported_commands(out);
	privacy_supported_commands(out);
}

void ctrl_sec_le_features(uint8_t out[8])
{
	out[0] |= (1u << 0) | (1u << 6); /* LE Encryption, LL Privacy */
}

void ctrl_sec_reset(struct zble_sim_ctrl *c)
{
	c->sec.key_valid = false;
	privacy_reset(c);
}
