/* zble-sim: virtual BLE controllers on a simulated radio, in one process,
 * under one deterministic virtual clock (coop kernel backend only).
 *
 * A struct zble_sim owns everything: simulated time, a seed, the devices and
 * their links. Each device is a virtual controller (the link layer as seen
 * over HCI, presented as a struct zble_hci_driver), its own coop kernel whose
 * port is the simulator, and optionally a zble host on that kernel.
 *
 * Two ways to drive it:
 *  - event-driven: zble_sim_run_until()/zble_sim_run_for() advance time,
 *    firing radio/controller events and running every device's kernel;
 *  - blocking: select a device (zble_sim_device_select) and call blocking
 *    Zephyr APIs (bt_enable(NULL), k_sem_take with a timeout, k_msleep) from
 *    the test's main code. The device's port wait runs the whole simulation
 *    (all other devices, the radio) until that device is woken or its
 *    deadline passes, so the other devices progress event-driven meanwhile.
 *    Callbacks and work items of any device never block (the kernel refuses).
 *
 * Same seed, same scenario: byte-identical btsnoop captures. Nothing here
 * allocates; the caller owns the struct (large: allocate it statically or
 * on the heap, not on a small stack). Not thread-safe: one thread drives it. */
#ifndef ZBLE_SIM_H
#define ZBLE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/btsnoop.h"
#include "zble/hci_driver.h"
#include "zble/host.h"
#include "zble/kernel.h"

#ifndef ZBLE_SIM_MAX_DEVICES
#define ZBLE_SIM_MAX_DEVICES 64
#endif
#ifndef ZBLE_SIM_MAX_LINKS
#define ZBLE_SIM_MAX_LINKS 32
#endif
/* Connections per controller (handles 0..n-1). */
#ifndef ZBLE_SIM_MAX_CONN
#define ZBLE_SIM_MAX_CONN 8
#endif
/* Host->controller ACL buffers a controller can hold (all links). */
#ifndef ZBLE_SIM_MAX_ACL_BUFS
#define ZBLE_SIM_MAX_ACL_BUFS 16
#endif
/* Controller->host packets waiting for the host to take them. */
#ifndef ZBLE_SIM_TO_HOST_QUEUE
#define ZBLE_SIM_TO_HOST_QUEUE 48
#endif
#define ZBLE_SIM_CMD_QUEUE 4
#define ZBLE_SIM_CTRL_QUEUE 4 /* LL control PDUs queued per direction */
#define ZBLE_SIM_DUP_FILTER 64
/* Advertising sets per controller (extended advertising). */
#ifndef ZBLE_SIM_ADV_SETS
#define ZBLE_SIM_ADV_SETS 4
#endif
/* Advertising or scan response data per set, as LE Read Maximum
 * Advertising Data Length announces it. */
#ifndef ZBLE_SIM_EXT_ADV_DATA_MAX
#define ZBLE_SIM_EXT_ADV_DATA_MAX 1650
#endif
/* Filter Accept List entries per controller. */
#ifndef ZBLE_SIM_FAL_SIZE
#define ZBLE_SIM_FAL_SIZE 16
#endif
#define ZBLE_SIM_PKT_MAX 260 /* H4 type + the largest event or ACL packet */

/* The fixed epoch of btsnoop timestamps: simulated time 0 is
 * 2024-01-01T00:00:00Z, so captures are identical across runs. */
#define ZBLE_SIM_SNOOP_EPOCH_UNIX_US 1704067200000000ull

struct zble_sim;
struct zble_sim_device;

struct zble_sim_timer {
	uint64_t t;
	uint64_t seq; /* tie-break: arming order */
	bool armed;
};

struct zble_sim_rng {
	uint64_t s[4]; /* xoshiro256** */
};

#include "zble/sim_sec.h" /* security state: needs struct zble_sim_rng */

struct zble_sim_device_config {
	const char *name;     /* for logs; default "devN" */
	bool no_public_addr;  /* Read BD_ADDR returns zero: the host makes a static random identity */
	uint16_t acl_len;     /* LE ACL buffer size (default 251) */
	uint8_t acl_num;      /* LE ACL buffer count (default 4, at most ZBLE_SIM_MAX_ACL_BUFS) */
	int8_t tx_power;      /* dBm (default 0) */
	double x, y;          /* position in metres (default: 1 m apart along x by index) */
	uint32_t cmd_latency_us; /* command processing time (default 50 us) */
};

/* One host->controller ACL packet held by the controller. */
struct zble_sim_acl_buf {
	bool used;
	uint8_t link;
	uint8_t llid;    /* 0x02: start of an L2CAP PDU, 0x01: continuation */
	uint16_t len, off; /* bytes, bytes already acknowledged */
	uint32_t seq;    /* arrival order */
	uint8_t data[251];
};

struct zble_sim_pkt {
	uint16_t len;
	uint8_t data[ZBLE_SIM_PKT_MAX];
};

struct zble_sim_ctrl_stats {
	uint32_t cmds, unknown_cmds, events, acl_to_host, acl_from_host;
	uint32_t adv_events, adv_reports, scan_reqs, conn_events;
	uint32_t to_host_dropped;  /* reports dropped: the host's queue was full */
	uint32_t acl_overflow;     /* ACL from the host beyond the buffer count */
	uint32_t acl_rejected;     /* unknown handle or too long */
	uint32_t retransmissions;  /* LL packets lost on air and sent again */
};

/* Injected controller faults (faults.c): configured through the
 * zble_sim_fault_* calls, all off by default. */
#ifndef ZBLE_SIM_FAULT_DELAY_QUEUE
#define ZBLE_SIM_FAULT_DELAY_QUEUE 16 /* controller->host packets held back by a delay */
#endif
#define ZBLE_SIM_FAULT_LATE_QUEUE 4 /* command completions held back on their own */

struct zble_sim_fault_stats {
	uint32_t events_dropped;  /* events never delivered (drop faults) */
	uint32_t pkts_delayed;    /* controller->host packets held back */
	uint32_t cmds_swallowed;  /* commands accepted and never answered */
	uint32_t hw_errors;       /* Hardware Error events injected */
	uint32_t nocp_held;       /* completed packets whose report was withheld */
	uint32_t events_duplicated; /* events delivered twice */
	uint32_t completions_late;  /* command completions delivered late */
	uint32_t strays_sent;       /* Command Complete/Status for no command in flight */
};

struct zble_sim_faults {
	bool rng_seeded, bypass;
	struct zble_sim_rng rng;
	uint32_t drop_p;          /* per-event drop threshold (of 2^32) */
	uint8_t drop_code;        /* drop the next drop_count events with this code */
	uint16_t drop_detail;     /* LE subevent (0x3e) or opcode (0x0e/0x0f); 0: any */
	uint32_t drop_count;
	uint16_t swallow_op;      /* swallow the next swallow_count commands with this opcode */
	uint32_t swallow_count;
	uint32_t delay_us;        /* extra latency of every controller->host packet */
	struct {
		uint64_t at;
		bool discardable;
		struct zble_sim_pkt pkt;
	} delayq[ZBLE_SIM_FAULT_DELAY_QUEUE];
	uint8_t dq_head, dq_count;
	uint64_t hold_until;      /* Number Of Completed Packets withheld until then */
	bool holding;
	uint16_t held[ZBLE_SIM_MAX_CONN]; /* completed packets per handle, not reported yet */
	uint8_t dup_code;         /* deliver the next dup_count events with this code twice */
	uint16_t dup_detail;      /* as drop_detail */
	uint32_t dup_count;
	uint16_t late_op;         /* the completion of the next late_op command comes late_us late */
	uint32_t late_us;
	bool late_armed;
	struct {
		bool used;
		uint64_t at;
		struct zble_sim_pkt pkt;
	} lateq[ZBLE_SIM_FAULT_LATE_QUEUE];
	uint16_t stray_trigger;   /* when a command with this opcode arrives (0: any)... */
	uint16_t stray_op;        /* ...a completion for this opcode (0: NOP) goes first */
	bool stray_status, stray_armed;
	struct zble_sim_timer timer;
	struct zble_sim_fault_stats stats;
};

/* PHYs as HCI numbers them (LE Read PHY, PHY Update Complete). */
#define ZBLE_SIM_PHY_1M 1
#define ZBLE_SIM_PHY_2M 2
#define ZBLE_SIM_PHY_CODED 3 /* S=8 */

/* One advertising set (LE Set Extended Advertising Parameters and after). */
struct zble_sim_adv_set {
	bool used, enabled;
	uint8_t handle;
	uint16_t props;    /* Advertising_Event_Properties */
	uint32_t interval_min, interval_max; /* 0.625 ms */
	uint8_t chan_map, own_type, peer_type, filter;
	uint8_t peer[6];
	int8_t tx_power;
	uint8_t pri_phy, sec_phy, sid;
	bool scan_req_notify;
	uint8_t random_addr[6];
	bool random_set;
	bool data_partial, rsp_partial; /* a fragmented write is under way */
	uint16_t data_len, rsp_len;
	uint16_t duration; /* 10 ms, 0: until disabled */
	uint8_t max_events; /* 0: no limit */
	uint32_t events;   /* advertising events since enabled */
	uint64_t started;
	struct zble_sim_timer timer;
	uint8_t data[ZBLE_SIM_EXT_ADV_DATA_MAX];
	uint8_t rsp[ZBLE_SIM_EXT_ADV_DATA_MAX];
};

/* The virtual controller: all its state (link layer as seen over HCI). */
struct zble_sim_ctrl {
	struct zble_hci_driver drv; /* first: the driver handed to hosts */
	struct zble_sim_device *dev;
	zble_hci_recv_t recv;
	void *recv_ctx;
	bool open;

	/* configuration */
	uint8_t bd_addr[6];
	uint16_t acl_len;
	uint8_t acl_num;
	uint32_t cmd_latency_us;

	/* command processing */
	struct zble_sim_pkt cmdq[ZBLE_SIM_CMD_QUEUE];
	uint8_t cmd_head, cmd_count;
	struct zble_sim_timer cmd_timer;

	uint64_t event_mask, event_mask2, le_event_mask;
	uint8_t random_addr[6];
	bool random_set;
	uint16_t def_tx_octets, def_tx_time;
	uint8_t def_tx_phys, def_rx_phys; /* LE Set Default PHY (bit masks) */
	/* Legacy and extended advertising commands exclude each other until
	 * reset: 0 neither used yet, 1 legacy, 2 extended. */
	uint8_t adv_api;

	/* Filter Accept List */
	struct {
		uint8_t type; /* 0 public, 1 random, 0xff anonymous advertisers */
		uint8_t addr[6];
	} fal[ZBLE_SIM_FAL_SIZE];
	uint8_t fal_count;

	/* advertising */
	struct {
		uint16_t interval_min, interval_max;
		uint8_t type, own_type, peer_type, chan_map, filter;
		uint8_t peer[6];
		uint8_t data[31], data_len;
		uint8_t rsp[31], rsp_len;
		bool enabled;
		uint64_t started; /* high duty directed: ends after 1.28 s */
		struct zble_sim_timer timer;
	} adv;
	/* advertising sets (extended advertising commands) */
	struct zble_sim_adv_set sets[ZBLE_SIM_ADV_SETS];
	/* scanning */
	struct {
		uint8_t type, own_type, filter;
		uint16_t interval, window; /* 0.625 ms units; LE 1M */
		uint8_t coded_type;
		uint16_t coded_interval, coded_window; /* LE Coded (extended scanning) */
		uint8_t phys;        /* bit 0 LE 1M, bit 2 LE Coded */
		bool enabled;
		bool ext;            /* extended scanning: extended reports */
		bool on;             /* inside a scan duration (always, without one) */
		uint8_t filter_dup;  /* 0 off, 1 on, 2 reset each period */
		uint16_t duration, period; /* 10 ms, 1.28 s; 0: none */
		uint64_t started;
		struct zble_sim_timer timer;
		uint8_t dup[ZBLE_SIM_DUP_FILTER][8]; /* type, addr, report kind */
		uint8_t dup_count;
	} scan;
	/* initiating */
	struct {
		bool active;
		bool ext;          /* LE Extended Create Connection */
		uint8_t filter;    /* 1: any advertiser on the Filter Accept List */
		uint8_t phys;      /* bit 0 LE 1M, bit 1 LE 2M, bit 2 LE Coded */
		uint8_t peer_type, own_type;
		uint8_t peer[6];
		/* per PHY (1M, 2M, Coded); legacy uses the first */
		struct {
			uint16_t scan_interval, scan_window;
			uint16_t interval_min, interval_max, latency, timeout;
		} par[3];
		uint64_t started;
	} init;

	/* connections: link index per handle, 0xff when free */
	uint8_t conn_link[ZBLE_SIM_MAX_CONN];
	struct zble_sim_acl_buf acl[ZBLE_SIM_MAX_ACL_BUFS];
	uint32_t acl_seq;

	/* controller->host packets not yet taken by the host */
	struct zble_sim_pkt to_host[ZBLE_SIM_TO_HOST_QUEUE];
	uint8_t th_head, th_count;
	bool delivering;

	struct zble_sim_rng rng;
	struct zble_sim_ctrl_stats stats;
	struct zble_sim_faults faults;
	struct zble_sim_ctrl_sec sec; /* P-256, privacy (ctrl_sec.c, privacy.c) */
};

struct zble_sim_device {
	struct zble_sim *sim;
	uint8_t index;
	bool used;
	bool present;   /* false once removed: it vanished */
	bool radio_on;
	char name[16];
	int8_t tx_power;
	double x, y;

	struct zble_kernel kernel;
	bool has_host;
	struct zble_host host;
	struct zble_sim_ctrl ctrl;

	/* scheduling of its kernel */
	bool runnable;      /* the port's schedule() was called */
	bool in_wait;       /* its port wait is on the stack */
	uint64_t kdeadline; /* next kernel deadline, as last reported */

	struct zble_btsnoop_file snoop;
	bool snooping;
};

/* LL control PDUs (a subset of Vol 6 Part B 2.4.2). */
struct zble_sim_llctrl {
	uint8_t op;
	uint8_t len; /* payload length on air */
	uint8_t reason;
	uint16_t interval, latency, timeout, instant;
	uint16_t a, b; /* op-specific: interval_min/max, octets/time, PHYs */
};

/* One LE connection between two controllers. Side 0 is the central. */
struct zble_sim_link {
	bool used;
	uint8_t dev[2];     /* device indices */
	uint16_t handle[2]; /* each controller's handle */
	bool alive[2];      /* that side still has the connection */
	uint16_t interval, latency, timeout; /* 1.25 ms, events, 10 ms */
	uint16_t counter;   /* connection event counter */
	uint64_t anchor;    /* current (or next) event's anchor */
	uint64_t event_end; /* budget end of the current event */
	bool in_event;
	uint16_t xchg;      /* exchanges so far in the current event */
	uint64_t last_rx[2]; /* when side s last heard the other */
	struct zble_sim_timer timer;
	struct zble_sim_rng rng;
	uint32_t loss;       /* per-packet loss threshold (of 2^32) */
	uint32_t crc;        /* per-packet CRC error threshold (of 2^32) */
	/* exchange in flight */
	bool xfer;
	int8_t tx_buf[2];    /* acl buffer index sent by side s, -1: none/control */
	bool tx_ctrl[2];     /* side s sent its head control PDU */
	uint16_t tx_len[2];  /* LL payload bytes sent by side s */
	bool lost[2];        /* side s's packet did not arrive */
	/* control PDUs queued per sending side */
	struct zble_sim_llctrl ctrlq[2][ZBLE_SIM_CTRL_QUEUE];
	uint8_t ctrl_count[2];
	/* procedures */
	bool upd_pending;
	uint16_t upd_instant, upd_interval, upd_latency, upd_timeout;
	bool param_req_waiting; /* central host must answer a param request */
	bool feat_pending[2];   /* side s's host asked for the remote features */
	uint16_t max_tx_octets[2], max_tx_time[2], pref_tx_octets[2], pref_tx_time[2];
	uint16_t nocp[2];       /* completed packets to report per side */
	struct zble_sim_link_sec sec; /* encryption (ctrl_enc.c) */
	/* PHY: what side s transmits on, its preferences, the procedure */
	uint8_t phy[2];
	uint8_t phy_tx_pref[2], phy_rx_pref[2];
	bool phy_host_req[2];   /* side s's host asked (LE Set PHY): owed an event */
	bool phy_proc[2];       /* side s sent LL_PHY_REQ and waits */
	bool phy_upd_pending;
	uint16_t phy_instant;
	uint8_t phy_new[2];     /* 0: unchanged */
	/* version exchange (LL_VERSION_IND once per side) */
	bool ver_sent[2], ver_rcvd[2], ver_host_req[2];
};

struct zble_sim_stats {
	uint64_t steps;          /* radio/controller events fired */
	uint64_t kernel_runs;    /* zble_kernel_process calls */
	uint32_t connections, disconnections, supervision_timeouts;
};

/* Real-time mode: simulated time paced to a wall clock, and a way for
 * outside input (hosts in other processes: zble_sim_server) to enter.
 * Before the next simulated event the scheduler sleeps until the wall clock
 * reaches it, in wait(); when wait() reports input, simulated time is set to
 * the wall clock (never past the next event) and input() takes it, e.g.
 * reads sockets and hands packets to controllers with their driver's send().
 * Behind the wall clock (a loaded machine) events run at once, in order,
 * and input is still looked at (wait(0)) at least every millisecond of wall
 * time. Simulated time never goes back; it is not deterministic. */
struct zble_sim_realtime {
	/* Monotonic wall clock in microseconds; NULL: CLOCK_MONOTONIC. */
	uint64_t (*clock_us)(void *ctx);
	/* Sleeps up to timeout_us (ZBLE_TIME_NEVER: no limit) or until outside
	 * input is ready: > 0 input is ready, 0 timeout, < 0 stops the run
	 * (zble_sim_run_* and blocking waits return it). NULL: a plain sleep,
	 * no input (and a simulation with nothing left to do is -EDEADLK). */
	int (*wait)(void *ctx, uint64_t timeout_us);
	/* Takes the input wait() reported. < 0 stops the run. May be NULL. */
	int (*input)(void *ctx);
	void *ctx;
};

struct zble_sim_rt_stats {
	uint64_t sleeps;     /* wait() calls with a timeout */
	uint64_t inputs;     /* input() calls */
	uint64_t max_lag_us; /* furthest simulated time fell behind the wall clock */
};

struct zble_sim {
	uint64_t now_us;
	uint64_t seed;
	uint64_t seq;       /* timer arming counter */
	uint64_t stop_at;   /* hard stop (ZBLE_TIME_NEVER: none) */
	uint32_t max_event_us; /* connection event length limit, 0: interval - T_IFS */
	struct zble_sim_rng rng;
	struct zble_sim_device *waiter; /* device whose wait is running the simulation */
	uint8_t ndev;
	struct zble_sim_device devices[ZBLE_SIM_MAX_DEVICES];
	struct zble_sim_link links[ZBLE_SIM_MAX_LINKS];
	uint32_t loss[ZBLE_SIM_MAX_DEVICES][ZBLE_SIM_MAX_DEVICES];
	uint32_t crc[ZBLE_SIM_MAX_DEVICES][ZBLE_SIM_MAX_DEVICES];
	struct zble_sim_population *pops; /* background advertisers (faults.c) */
	struct zble_sim_stats stats;
	/* an optional log line per HCI packet (demo, debugging) */
	void (*trace)(void *ctx, struct zble_sim_device *dev, bool to_host, const uint8_t *pkt, size_t len);
	void *trace_ctx;
	/* real time (realtime.c): off unless started by zble_sim_init_realtime() */
	bool realtime;
	struct zble_sim_realtime rt;
	uint64_t rt_origin;    /* wall clock (rt.clock_us) at simulated time 0 */
	uint64_t rt_last_poll; /* wall clock of the last look for outside input */
	struct zble_sim_rt_stats rt_stats;
};

extern const struct zble_port zble_sim_port;

/* Starts an empty simulation at time 0. */
void zble_sim_init(struct zble_sim *sim, uint64_t seed);
/* Deinitialises every host and kernel, closes captures. */
void zble_sim_deinit(struct zble_sim *sim);

/* Adds a device (controller + kernel) with cfg, or defaults when NULL.
 * NULL when full. The device's kernel is not made current. */
struct zble_sim_device *zble_sim_add_device(struct zble_sim *sim, const struct zble_sim_device_config *cfg);
/* Puts a zble host on the device's kernel, bound to its controller. 0 or -errno. */
int zble_sim_device_add_host(struct zble_sim_device *dev);
/* The device's controller as an HCI driver (for a host of your own). */
struct zble_hci_driver *zble_sim_device_driver(struct zble_sim_device *dev);
/* Makes the device's kernel current: bt_* and k_* calls act on it. */
void zble_sim_device_select(struct zble_sim_device *dev);
/* btsnoop capture of the device's HCI traffic, both directions, at the
 * controller's driver boundary, with simulated timestamps. */
int zble_sim_device_capture(struct zble_sim_device *dev, const char *path);
void zble_sim_device_set_position(struct zble_sim_device *dev, double x, double y);

/* Faults. The device vanishes: its radio stops and its kernel no longer
 * runs; peers see their links time out (supervision timeout). */
void zble_sim_device_remove(struct zble_sim_device *dev);
/* Radio off: transmits and receives nothing, its host keeps running. */
void zble_sim_device_set_radio(struct zble_sim_device *dev, bool on);
/* Probability that an LL packet between a and b is lost (either way);
 * a lost packet is retransmitted at the next connection event. */
void zble_sim_set_loss(struct zble_sim *sim, struct zble_sim_device *a, struct zble_sim_device *b, double p);

uint64_t zble_sim_now_us(const struct zble_sim *sim);
/* RSSI that b measures for a's transmissions (path-loss model). */
int8_t zble_sim_rssi(const struct zble_sim_device *a, const struct zble_sim_device *b);
/* Link-layer air time of one packet with a payload of n bytes on LE 1M. */
uint32_t zble_sim_air_time_us(uint16_t payload);
/* The same on a PHY (ZBLE_SIM_PHY_*; Coded is S=8): preamble, access
 * address, (Coded: CI, TERM1), header, payload, CRC (Coded: TERM2). */
uint32_t zble_sim_air_time_phy_us(uint8_t phy, uint16_t payload);

/* Runs everything until simulated time t (events at t included). 0, or
 * -ETIMEDOUT past the stop time. */
int zble_sim_run_until(struct zble_sim *sim, uint64_t t);
int zble_sim_run_for(struct zble_sim *sim, uint64_t us);
/* The simulation never passes t: waits and runs return -ETIMEDOUT there. */
void zble_sim_set_stop_time(struct zble_sim *sim, uint64_t t);

/* Real time (see struct zble_sim_realtime): zble_sim_init(), then
 * simulated time 0 is now on rt's clock. rt is copied; NULL: plain pacing
 * to CLOCK_MONOTONIC without outside input. zble_sim_init() keeps the
 * default, virtual time: as fast as possible and deterministic. */
void zble_sim_init_realtime(struct zble_sim *sim, uint64_t seed, const struct zble_sim_realtime *rt);
/* The wall clock as simulated time (may be ahead of zble_sim_now_us()). */
uint64_t zble_sim_wall_us(const struct zble_sim *sim);
/* Back to power-on state, as a controller reset but without an event: an
 * outside host went away. Its links end here; peers see them time out. */
void zble_sim_device_reset(struct zble_sim_device *dev);

/* ---- fault injection (faults.c): all per device's controller, all
 * deterministic (seeded from the simulation's seed), all off by default ---- */

/* Probability that an LL packet between a and b arrives with a CRC error
 * (either way): not accepted, retransmitted at the next connection event,
 * and, unlike a loss, the peripheral still answers a central's corrupted
 * packet. */
void zble_sim_set_crc_errors(struct zble_sim *sim, struct zble_sim_device *a, struct zble_sim_device *b, double p);
/* Every HCI event to the host is dropped with probability p (0: off). */
void zble_sim_fault_drop_events(struct zble_sim_device *dev, double p);
/* Drops the next count events with this event code; detail narrows it: the
 * LE subevent for LE Meta (0x3e), the opcode for Command Complete/Status
 * (0x0e/0x0f), 0 for any. count 0 cancels. */
void zble_sim_fault_drop_next_event(struct zble_sim_device *dev, uint8_t code, uint16_t detail, uint32_t count);
/* Every controller->host packet (events and ACL, order kept) arrives us
 * later (0: off; what is held still arrives in order). */
void zble_sim_fault_event_delay(struct zble_sim_device *dev, uint32_t us);
/* Buffer exhaustion as the host sees it: for us the controller reports no
 * Number Of Completed Packets (its buffers stay taken for the host, which
 * runs out of credits and must queue); then it reports them all at once.
 * Counts for a link that disconnects meanwhile are dropped with it. */
void zble_sim_fault_hold_completions(struct zble_sim_device *dev, uint64_t us);
/* A Hardware Error event with this code, now. */
void zble_sim_fault_hw_error(struct zble_sim_device *dev, uint8_t code);
/* The next count commands with this opcode are taken and never answered
 * nor executed (no Command Complete/Status, no credit). count 0 cancels. */
void zble_sim_fault_swallow_cmd(struct zble_sim_device *dev, uint16_t opcode, uint32_t count);
/* Delivers the next count events with this event code twice, back to back
 * (detail as for zble_sim_fault_drop_next_event). count 0 cancels. */
void zble_sim_fault_duplicate_next_event(struct zble_sim_device *dev, uint8_t code, uint16_t detail, uint32_t count);
/* The Command Complete or Command Status of the next command with this
 * opcode arrives us late (e.g. after the host's command timeout); other
 * packets pass it. The command itself is executed at once. */
void zble_sim_fault_late_completion(struct zble_sim_device *dev, uint16_t opcode, uint32_t us);
/* When the next command with trigger_opcode (0: any) arrives, a stray
 * Command Complete (or, with status, Command Status) for stray_opcode (0:
 * a NOP, or an opcode never sent) with one credit is sent at once, while
 * that command is still being processed; then the command is answered
 * as usual. */
void zble_sim_fault_stray_completion(struct zble_sim_device *dev, uint16_t trigger_opcode, uint16_t stray_opcode,
				     bool status);
/* Turns every fault of the device off (held packets are delivered). */
void zble_sim_fault_clear(struct zble_sim_device *dev);
/* The peer that vanishes: zble_sim_device_remove(); radio silence:
 * zble_sim_device_set_radio(); packet loss: zble_sim_set_loss(). */

/* ---- populations: background legacy advertisers without hosts, cheap
 * enough for hundreds (no controller each), for scanning benchmarks ---- */

struct zble_sim_beacon {
	uint8_t addr[6];
	uint8_t adv_type;  /* 0x00 ADV_IND, 0x02 ADV_SCAN_IND, 0x03 ADV_NONCONN_IND */
	uint8_t data[31], data_len;
	uint8_t rsp[31], rsp_len;
	int8_t tx_power;
	double x, y;
	uint32_t interval_us;
	uint64_t next;     /* its next advertising event */
	uint32_t events;
};

struct zble_sim_population_config {
	uint32_t interval_min_ms, interval_max_ms; /* default 20..100 */
	uint8_t connectable_pct, scannable_pct;    /* of the beacons; the rest non-connectable
						      (both 0: a third each) */
	double x, y, radius; /* placed uniformly in this disc (default: (0,0), 10 m) */
	uint64_t seed;       /* mixed with the simulation's seed */
};

struct zble_sim_population {
	struct zble_sim *sim;
	struct zble_sim_population *next;
	struct zble_sim_beacon *beacons;
	unsigned n;
	struct zble_sim_timer timer;
	struct zble_sim_rng rng;
	uint64_t adv_events, reports; /* advertising events, reports sent to scanners */
};

/* Adds n background advertisers kept in the caller's beacons array (and pop):
 * random static addresses, payloads (flags + manufacturer data, and a scan
 * response for scannable ones), intervals in the range, first event within
 * an interval. Both stay owned by the caller and must outlive the sim.
 * 0, -EINVAL. */
int zble_sim_add_population(struct zble_sim *sim, struct zble_sim_population *pop, struct zble_sim_beacon *beacons,
			    unsigned n, const struct zble_sim_population_config *cfg);
/* A burst: every beacon of pop advertises at time at (>= now), all in one
 * simulation step (the hosts do not run in between); then as before. */
void zble_sim_population_burst(struct zble_sim_population *pop, uint64_t at);

#endif
