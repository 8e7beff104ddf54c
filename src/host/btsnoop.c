/* btsnoop writer: format in zble/btsnoop.h. Freestanding (no stdio, no clock,
 * no allocation): everything goes through the sink. */
#include "zble/btsnoop.h"

#include <errno.h>

#include "zble/hci_driver.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

int zble_btsnoop_init(struct zble_btsnoop *s, zble_btsnoop_write_t write, void *ctx)
{
	/* "btsnoop\0" + version + datalink. */
	uint8_t hdr[ZBLE_BTSNOOP_HDR_LEN] = { 'b', 't', 's', 'n', 'o', 'o', 'p', '\0' };

	if (s == NULL || write == NULL) {
		return -EINVAL;
	}
	s->write = write;
	s->ctx = ctx;
	s->snaplen = 0;
	s->records = 0;
	s->drops = 0;
	s->err = 0;
	put_be32(&hdr[8], ZBLE_BTSNOOP_VERSION);
	put_be32(&hdr[12], ZBLE_BTSNOOP_DATALINK_H4);
	int err = write(ctx, hdr, sizeof(hdr));
	if (err < 0) {
		s->err = err;
	}
	return s->err;
}

void zble_btsnoop_set_snaplen(struct zble_btsnoop *s, uint32_t snaplen) { s->snaplen = snaplen; }

void zble_btsnoop_add_drops(struct zble_btsnoop *s, uint32_t n) { s->drops += n; }

uint32_t zble_btsnoop_flags(bool received, const uint8_t *h4_pkt, size_t len)
{
	uint32_t flags = received ? ZBLE_BTSNOOP_FLAG_RECEIVED : 0u;

	if (h4_pkt != NULL && len > 0 && (h4_pkt[0] == ZBLE_H4_CMD || h4_pkt[0] == ZBLE_H4_EVT)) {
		flags |= ZBLE_BTSNOOP_FLAG_CMD_EVT;
	}
	return flags;
}

void zble_btsnoop_encode_record_hdr(uint8_t out[ZBLE_BTSNOOP_REC_HDR_LEN], uint32_t orig_len, uint32_t incl_len,
				    uint32_t flags, uint32_t drops, uint64_t unix_us)
{
	put_be32(&out[0], orig_len);
	put_be32(&out[4], incl_len);
	put_be32(&out[8], flags);
	put_be32(&out[12], drops);
	put_be64(&out[16], unix_us + ZBLE_BTSNOOP_EPOCH_DELTA_US);
}

int zble_btsnoop_record(struct zble_btsnoop *s, bool received, const uint8_t *h4_pkt, size_t len, uint64_t unix_us)
{
	uint8_t hdr[ZBLE_BTSNOOP_REC_HDR_LEN];

	if (s == NULL) {
		return -EINVAL;
	}
	if (s->err != 0) {
		s->drops++;
		return s->err;
	}
	if (h4_pkt == NULL || len == 0 || len > UINT32_MAX) {
		s->drops++;
		return -EINVAL;
	}
	const uint32_t orig = (uint32_t)len;
	const uint32_t incl = (s->snaplen != 0 && orig > s->snaplen) ? s->snaplen : orig;

	zble_btsnoop_encode_record_hdr(hdr, orig, incl, zble_btsnoop_flags(received, h4_pkt, len), s->drops, unix_us);
	int err = s->write(s->ctx, hdr, sizeof(hdr));
	if (err >= 0) {
		err = s->write(s->ctx, h4_pkt, incl);
	}
	if (err < 0) {
		s->err = err;
		s->drops++;
		return err;
	}
	s->records++;
	return 0;
}
