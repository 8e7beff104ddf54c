/* Advertising data checks (fuzz_ad.h). */
#include <string.h>

#include <zephyr/bluetooth/bluetooth.h>

#include "fuzz_ad.h"
#include "fuzz_env.h"

struct ad_walk {
	const uint8_t *start, *end; /* the buffer parsed */
	const uint8_t *ref;         /* the next element of the reference reading */
	uint16_t stop_type;
	int seen;
	bool stopped;
};

/* The reference reading: the next element at w->ref, or false at the end. */
static bool ref_next(struct ad_walk *w, uint8_t *type, const uint8_t **data, uint8_t *len)
{
	size_t left = (size_t)(w->end - w->ref);
	if (left < 2 || w->ref[0] == 0 || w->ref[0] > left - 1) {
		return false;
	}
	*type = w->ref[1];
	*data = w->ref + 2;
	*len = (uint8_t)(w->ref[0] - 1);
	w->ref += 1u + w->ref[0];
	return true;
}

static bool on_element(struct bt_data *d, void *user_data)
{
	struct ad_walk *w = user_data;
	uint8_t type, len;
	const uint8_t *data;
	FZ_ASSERT(!w->stopped);
	FZ_ASSERT(ref_next(w, &type, &data, &len));
	FZ_ASSERT(d->type == type && d->data_len == len && d->data == data);
	FZ_ASSERT(d->data >= w->start && d->data + d->data_len <= w->end);
	w->seen++;
	if (d->type == w->stop_type) {
		w->stopped = true;
		return false;
	}
	return true;
}

int fz_ad_check(struct net_buf_simple *ad, uint16_t stop_type)
{
	struct ad_walk w = { .start = ad->data, .end = ad->data + ad->len, .ref = ad->data, .stop_type = stop_type };
	bt_data_parse(ad, on_element, &w);
	if (!w.stopped) {
		uint8_t type, len;
		const uint8_t *data;
		FZ_ASSERT(!ref_next(&w, &type, &data, &len)); /* nothing left out */
	}
	return w.seen;
}
