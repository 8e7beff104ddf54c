/* The soak test's shared state: a zble central (GATT client) and a zble
 * peripheral (GATT server) on zble-sim, in virtual time, going through
 * connect / GATT / disconnect cycles while faults are injected. */
#ifndef SOAK_H
#define SOAK_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>

#include "zble/sim.h"

#define SOAK_VALUE_MAX 300

/* What the central's client is doing (it advances from callbacks). */
enum soak_step {
	STEP_IDLE,
	STEP_CONNECTING,
	STEP_MTU,
	STEP_DISC_SVC,
	STEP_DISC_CHRC,
	STEP_DISC_CCC,
	STEP_SUBSCRIBE,
	STEP_READ,
	STEP_WRITE,
	STEP_WAIT_NOTIFY,
	STEP_DONE,    /* everything done: the central disconnects */
	STEP_FAILED,  /* an error was reported: the central disconnects */
	STEP_COUNT
};

/* Fault classes (soak_faults.c). */
enum soak_fault {
	F_NONE,
	F_LOSS,        /* LL packet loss on the link, the whole cycle */
	F_CRC,         /* CRC errors on the link, the whole cycle */
	F_DELAY,       /* every controller->host packet of one side later */
	F_HOLD,        /* Number Of Completed Packets withheld for a while */
	F_DISC_C,      /* the central disconnects at a random point */
	F_DISC_P,      /* the peripheral disconnects at a random point */
	F_VANISH,      /* one side's radio goes silent: supervision timeout */
	F_LINK_LOST,   /* all packets lost from a random point: supervision timeout */
	F_DROP_EVENT,  /* one controller drops HCI events of a random kind */
	F_COLLIDE,     /* both sides disconnect at the same moment */
	F_HW_ERROR,    /* one controller reports a Hardware Error */
	F_COUNT
};

struct soak_plan {
	enum soak_fault fault;
	bool on_central;        /* which device (delay, hold, vanish, drop) */
	enum soak_step at_step; /* fires when the client reaches it ... */
	uint32_t after_us;      /* ... this much later */
	double p;               /* loss/crc probability */
	uint32_t us;            /* delay, hold, vanish length */
	uint8_t drop_code;      /* event code (F_DROP_EVENT) */
	uint16_t drop_detail;   /* LE subevent or opcode, 0: any */
	uint8_t drop_count;
	/* On top, for a quarter of the cycles: a slow link the whole cycle. */
	double bg_loss;
	uint32_t bg_delay_us;
	uint16_t read_len, write_len;
	uint8_t notify_count;   /* notifications the server sends in one burst */
};

struct soak {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	uint64_t seed, rng;
	uint32_t cycle;
	struct soak_plan plan;
	bool fault_armed, fault_fired;
	uint64_t fault_at;

	/* central */
	enum soak_step step;
	uint64_t step_at;       /* virtual time the client reached step */
	struct bt_conn *c_conn;
	bool c_done;            /* the cycle's outcome is known and the link is gone */
	int err;                /* first error reported this cycle (0: none) */
	enum soak_step err_step;
	uint8_t reason;         /* the central's disconnection reason */
	bool notified, read_ok, write_ok;
	uint8_t notes;          /* notifications of this cycle received, in order */
	uint16_t value_handle, ccc_handle, svc_start, svc_end;
	uint16_t got_len;
	uint8_t got[SOAK_VALUE_MAX];
	uint8_t wbuf[SOAK_VALUE_MAX];
	struct bt_gatt_exchange_params xp;
	struct bt_gatt_discover_params dp[3]; /* service, characteristic, CCC */
	struct bt_gatt_subscribe_params sp;
	struct bt_gatt_read_params rp;
	struct bt_gatt_write_params wp;

	/* peripheral */
	struct bt_conn *p_conn;
	int p_err;
	uint8_t value[SOAK_VALUE_MAX];
	uint16_t value_len;
	uint16_t written_len;
	uint32_t notifies_sent;

	/* totals */
	uint32_t ok, failed, by_fault[F_COUNT], failed_by_fault[F_COUNT], failed_at_step[STEP_COUNT];
	uint64_t virt_us_max;   /* longest cycle */
};

extern struct soak *soak;

/* soak_gatt.c */
void soak_gatt_register(void);         /* on the peripheral, before advertising */
void soak_conn_cb_register(bool central);
void soak_client_start(struct bt_conn *conn); /* central: the connection is up */
void soak_client_fail(int err);        /* central: reports err and disconnects */
const char *soak_step_name(enum soak_step s);

/* soak_faults.c */
uint32_t soak_rand(void);
void soak_plan_draw(struct soak_plan *plan);
void soak_fault_fire(void);
void soak_background_faults(void); /* at the cycle's start */
void soak_faults_clear(void);
const char *soak_fault_name(enum soak_fault f);
/* Whether the fault lets a cycle fail (the others must let it complete). */
bool soak_fault_may_fail(enum soak_fault f);

/* soak_check.c */
struct soak_baseline;
void soak_baseline_take(void);
/* Compares both hosts and both controllers with the baseline, printing
 * each difference; returns how many. */
unsigned soak_check_released(void);

#endif
