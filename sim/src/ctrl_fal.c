/* The Filter Accept List: its four commands, and the lookups the
 * advertising, scanning and initiating filter policies make. */
#include "sim_internal.h"

#define FAL_ANONYMOUS 0xff

static int fal_index(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6])
{
	for (int i = 0; i < c->fal_count; i++) {
		/* Anonymous entries carry no address. */
		if (c->fal[i].type == type && (type == FAL_ANONYMOUS || !memcmp(c->fal[i].addr, addr, 6))) {
			return i;
		}
	}
	return -1;
}

bool ctrl_fal_has(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6])
{
	return fal_index(c, type, addr) >= 0;
}

/* Vol 4 Part E 7.8.15-17: no change while an enabled activity filters
 * through the list. */
bool ctrl_fal_in_use(const struct zble_sim_ctrl *c)
{
	if (c->adv.enabled && c->adv.filter != 0 && c->adv.type != ADV_DIRECT_IND_HIGH &&
	    c->adv.type != ADV_DIRECT_IND_LOW) {
		return true;
	}
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		const struct zble_sim_adv_set *a = &c->sets[i];
		if (a->used && a->enabled && a->filter != 0 && !(a->props & PROP_DIRECTED)) {
			return true;
		}
	}
	return (c->scan.enabled && (c->scan.filter & 1)) || (c->init.active && c->init.filter);
}

static uint8_t fal_add(struct zble_sim_ctrl *c, const uint8_t *p)
{
	if (p[0] > 1 && p[0] != FAL_ANONYMOUS) {
		return ST_INVALID_PARAM;
	}
	if (fal_index(c, p[0], p + 1) >= 0) {
		return ST_SUCCESS; /* already there */
	}
	if (c->fal_count >= ZBLE_SIM_FAL_SIZE) {
		return ST_MEM_EXCEEDED;
	}
	c->fal[c->fal_count].type = p[0];
	memcpy(c->fal[c->fal_count].addr, p + 1, 6);
	c->fal_count++;
	return ST_SUCCESS;
}

static uint8_t fal_remove(struct zble_sim_ctrl *c, const uint8_t *p)
{
	if (p[0] > 1 && p[0] != FAL_ANONYMOUS) {
		return ST_INVALID_PARAM;
	}
	int i = fal_index(c, p[0], p + 1);
	if (i >= 0) {
		c->fal[i] = c->fal[--c->fal_count];
	}
	return ST_SUCCESS;
}

bool ctrl_fal_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	uint8_t rp[2];
	if ((op == OP_LE_READ_FAL_SIZE || op == OP_LE_CLEAR_FAL) && plen != 0) {
		ctrl_cmd_complete_status(c, op, ST_INVALID_PARAM);
		return true;
	}
	switch (op) {
	case OP_LE_READ_FAL_SIZE:
		rp[0] = ST_SUCCESS;
		rp[1] = ZBLE_SIM_FAL_SIZE;
		ctrl_cmd_complete(c, op, rp, 2);
		return true;
	case OP_LE_CLEAR_FAL:
		if (ctrl_fal_in_use(c)) {
			ctrl_cmd_complete_status(c, op, ST_CMD_DISALLOWED);
		} else {
			c->fal_count = 0;
			ctrl_cmd_complete_status(c, op, ST_SUCCESS);
		}
		return true;
	case OP_LE_ADD_FAL:
	case OP_LE_REMOVE_FAL:
		if (plen != 7) {
			ctrl_cmd_complete_status(c, op, ST_INVALID_PARAM);
		} else if (ctrl_fal_in_use(c)) {
			ctrl_cmd_complete_status(c, op, ST_CMD_DISALLOWED);
		} else {
			ctrl_cmd_complete_status(c, op, op == OP_LE_ADD_FAL ? fal_add(c, p) : fal_remove(c, p));
		}
		return true;
	default:
		return false;
	}
}
