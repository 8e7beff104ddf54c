/* Security and privacy commands of the simulated controller (placeholder:
 * owns none yet). */
#include "sim_internal.h"

bool ctrl_sec_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len)
{
	(void)c;
	(void)op;
	(void)p;
	(void)plen;
	(void)len;
	return false;
}

void ctrl_sec_supported_commands(uint8_t out[64])
{
	(void)out;
}

void ctrl_sec_le_features(uint8_t out[8])
{
	(void)out;
}

void ctrl_sec_reset(struct zble_sim_ctrl *c)
{
	(void)c;
}
