/* zble/h4.h: the H4 stream framer. Pure C11, no OS. */
#include <errno.h>
#include <string.h>

#include "zble/h4.h"

/* Bytes after the type byte that hold the payload length; 0 = unknown type. */
static size_t header_len(uint8_t type)
{
	switch (type) {
	case ZBLE_H4_CMD: /* opcode(2) length(1) */
	case ZBLE_H4_SCO: /* handle(2) length(1) */
		return 3;
	case ZBLE_H4_ACL: /* handle+flags(2) length(2) */
	case ZBLE_H4_ISO: /* handle+flags(2) length(14 bits) */
		return 4;
	case ZBLE_H4_EVT: /* code(1) length(1) */
		return 2;
	default:
		return 0;
	}
}

static size_t clamp_data_max(size_t data_max)
{
	return (data_max == 0 || data_max > ZBLE_H4_DATA_MAX) ? ZBLE_H4_DATA_MAX : data_max;
}

int zble_h4_packet_len(const uint8_t *pkt, size_t len, size_t data_max)
{
	if (len == 0) {
		return 0;
	}
	size_t hl = header_len(pkt[0]);
	if (hl == 0) {
		return -EBADMSG;
	}
	if (len < 1 + hl) {
		return 0;
	}
	size_t payload;
	switch (pkt[0]) {
	case ZBLE_H4_ACL:
		payload = (size_t)pkt[3] | ((size_t)pkt[4] << 8);
		break;
	case ZBLE_H4_ISO:
		payload = ((size_t)pkt[3] | ((size_t)pkt[4] << 8)) & 0x3fffu;
		break;
	default: /* CMD, SCO, EVT: the last header byte */
		payload = pkt[hl];
		break;
	}
	if (payload > clamp_data_max(data_max)) {
		return -EMSGSIZE;
	}
	return (int)(1 + hl + payload);
}

void zble_h4_init(struct zble_h4 *h, uint16_t accept, size_t data_max, zble_hci_recv_t recv,
		  void *recv_ctx)
{
	memset(h, 0, sizeof(*h));
	h->recv = recv;
	h->recv_ctx = recv_ctx;
	h->accept = accept ? accept : (uint16_t)ZBLE_H4_ACCEPT_HOST;
	h->data_max = (uint16_t)clamp_data_max(data_max);
	h->in_sync = true;
}

void zble_h4_reset(struct zble_h4 *h)
{
	h->pos = 0;
	h->need = 0;
	h->hdr_done = false;
}

bool zble_h4_busy(const struct zble_h4 *h)
{
	return h->pos != 0;
}

static bool type_accepted(const struct zble_h4 *h, uint8_t type)
{
	return type < 16 && header_len(type) != 0 && (h->accept & (1u << type)) != 0;
}

static void lose_sync(struct zble_h4 *h)
{
	if (h->in_sync) {
		h->in_sync = false;
		h->stats.framing_errors++;
	}
}

static void deliver(struct zble_h4 *h)
{
	h->stats.packets++; /* first: the callback may look at the counters */
	int rc = h->recv ? h->recv(h->recv_ctx, h->buf, h->pos) : 0;
	if (rc < 0) {
		h->stats.dropped++;
	}
	h->in_sync = true;
	zble_h4_reset(h);
}

size_t zble_h4_feed(struct zble_h4 *h, const uint8_t *data, size_t len)
{
	size_t delivered = 0;

	while (len > 0) {
		if (h->pos == 0) {
			uint8_t type = *data++;
			len--;
			if (!type_accepted(h, type)) {
				lose_sync(h);
				h->stats.skipped_bytes++;
				continue;
			}
			h->buf[0] = type;
			h->pos = 1;
			h->need = (uint16_t)(1 + header_len(type));
			h->hdr_done = false;
			continue;
		}

		size_t n = (size_t)(h->need - h->pos);
		if (n > len) {
			n = len;
		}
		memcpy(&h->buf[h->pos], data, n);
		h->pos = (uint16_t)(h->pos + n);
		data += n;
		len -= n;
		if (h->pos < h->need) {
			continue; /* len is 0 now */
		}

		if (!h->hdr_done) {
			int total = zble_h4_packet_len(h->buf, h->pos, h->data_max);
			if (total < 0) {
				/* Too long to be real: the type byte was a false
				 * start. Rescan the header bytes after it. They
				 * cannot complete another ACL/ISO header (4 bytes
				 * after a type byte), so this nests only once. */
				uint8_t replay[4];
				size_t rn = (size_t)(h->pos - 1);
				memcpy(replay, &h->buf[1], rn);
				lose_sync(h);
				h->stats.oversize++;
				h->stats.skipped_bytes++;
				zble_h4_reset(h);
				delivered += zble_h4_feed(h, replay, rn);
				continue;
			}
			h->need = (uint16_t)total;
			h->hdr_done = true;
			if (h->pos < h->need) {
				continue;
			}
		}

		deliver(h);
		delivered++;
	}
	return delivered;
}
