/* GATT with Zephyr's API (zephyr/bluetooth/gatt.h): attributes, server and
 * client. Where zble differs from Zephyr, the comment at the item says so. */
#ifndef ZEPHYR_BLUETOOTH_GATT_H
#define ZEPHYR_BLUETOOTH_GATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* ssize_t */

#include <zephyr/bluetooth/att.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/sys/slist.h>
#include <zephyr/sys/util.h>

/* ===== common: attributes (owned with the server) ===== */

enum bt_gatt_perm {
	BT_GATT_PERM_NONE = 0,
	BT_GATT_PERM_READ = 1u << 0,
	BT_GATT_PERM_WRITE = 1u << 1,
	BT_GATT_PERM_READ_ENCRYPT = 1u << 2,
	BT_GATT_PERM_WRITE_ENCRYPT = 1u << 3,
	BT_GATT_PERM_READ_AUTHEN = 1u << 4,
	BT_GATT_PERM_WRITE_AUTHEN = 1u << 5,
	BT_GATT_PERM_PREPARE_WRITE = 1u << 6,
	BT_GATT_PERM_READ_LESC = 1u << 7,
	BT_GATT_PERM_WRITE_LESC = 1u << 8,
};

/* A read/write callback returns BT_GATT_ERR(att_error) to fail. */
#define BT_GATT_ERR(_att_err) (-(_att_err))

enum {
	BT_GATT_WRITE_FLAG_PREPARE = 1u << 0,
	BT_GATT_WRITE_FLAG_CMD = 1u << 1,
	BT_GATT_WRITE_FLAG_EXECUTE = 1u << 2,
};

struct bt_gatt_attr;

typedef ssize_t (*bt_gatt_attr_read_func_t)(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf,
					    uint16_t len, uint16_t offset);
typedef ssize_t (*bt_gatt_attr_write_func_t)(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf,
					     uint16_t len, uint16_t offset, uint8_t flags);

struct bt_gatt_attr {
	const struct bt_uuid *uuid;
	bt_gatt_attr_read_func_t read;
	bt_gatt_attr_write_func_t write;
	void *user_data;
	uint16_t handle; /* 0 in static services: see bt_gatt_attr_get_handle() */
	uint16_t perm;
	bool _auto_assigned_handle; /* set by registration, cleared by unregistration */
};

/* Characteristic properties. */
#define BT_GATT_CHRC_BROADCAST 0x01
#define BT_GATT_CHRC_READ 0x02
#define BT_GATT_CHRC_WRITE_WITHOUT_RESP 0x04
#define BT_GATT_CHRC_WRITE 0x08
#define BT_GATT_CHRC_NOTIFY 0x10
#define BT_GATT_CHRC_INDICATE 0x20
#define BT_GATT_CHRC_AUTH 0x40
#define BT_GATT_CHRC_EXT_PROP 0x80

/* Client Characteristic Configuration values. */
#define BT_GATT_CCC_NOTIFY 0x0001
#define BT_GATT_CCC_INDICATE 0x0002

/* Value of a characteristic declaration. */
struct bt_gatt_chrc {
	const struct bt_uuid *uuid;
	uint16_t value_handle;
	uint8_t properties;
};

/* Value of a service declaration (discovery results). */
struct bt_gatt_service_val {
	const struct bt_uuid *uuid;
	uint16_t end_handle;
};

/* Value of an include declaration. */
struct bt_gatt_include {
	const struct bt_uuid *uuid;
	uint16_t start_handle;
	uint16_t end_handle;
};

/* ===== server ===== */

/* How static services work with several hosts in one process (zble).
 * BT_GATT_SERVICE_DEFINE places a const struct bt_gatt_service_static in
 * the ELF section "zble_gatt_svc"; the linker collects every such record
 * between the symbols __start_zble_gatt_svc and __stop_zble_gatt_svc, which
 * GNU ld and lld define by themselves for a section whose name is a C
 * identifier. Every host serves the same static services, read-only and at
 * the same handles (right after GAP and GATT, in the order of their names
 * as Zephyr orders them, whatever order the linker chose), so nothing in them belongs
 * to one host: their attributes stay const and their handles follow from
 * their position. Per-host state lives in the host (registered services,
 * prepare queues) or, for CCCs, in entries keyed by host and peer. A
 * Cortex-M linker script that places sections by hand keeps them with:
 *
 *     .zble_gatt_svc : ALIGN(4) {
 *         PROVIDE(__start_zble_gatt_svc = .);
 *         KEEP(*(zble_gatt_svc))
 *         PROVIDE(__stop_zble_gatt_svc = .);
 *     } > FLASH
 *
 * Services that differ between hosts (the simulator's devices) are
 * registered per host with bt_gatt_service_register(); each host needs
 * its own struct bt_gatt_service and attribute array, since registration
 * writes the handles into them. */

#define BT_GATT_ITER_STOP 0
#define BT_GATT_ITER_CONTINUE 1

/* handle is the attribute's handle in the database being walked. */
typedef uint8_t (*bt_gatt_attr_func_t)(const struct bt_gatt_attr *attr, uint16_t handle, void *user_data);

struct bt_gatt_service_static {
	const struct bt_gatt_attr *attrs;
	size_t attr_count;
	const char *_sort_name; /* zble: static services take handles in name order, as in Zephyr */
};

struct bt_gatt_service {
	struct bt_gatt_attr *attrs;
	size_t attr_count;
	sys_snode_t node;
};

/* Characteristic Extended Properties value. */
struct bt_gatt_cep {
	uint16_t properties;
};
#define BT_GATT_CEP_RELIABLE_WRITE 0x0001
#define BT_GATT_CEP_WRITABLE_AUX 0x0002

/* Characteristic Presentation Format value. */
struct bt_gatt_cpf {
	uint8_t format;
	int8_t exponent;
	uint16_t unit;
	uint8_t name_space;
	uint16_t description;
};

/* Client Characteristic Configuration value (discovery). */
struct bt_gatt_ccc {
	uint16_t flags;
};

#ifndef CONFIG_BT_MAX_CONN
#define CONFIG_BT_MAX_CONN 4
#endif
/* CCC entries per CCC attribute. zble: without bonding an entry lives as
 * long as a link, so one per connection; when several hosts in one process
 * share static services (the simulator), their links share these entries:
 * raise it to the subscribed links of all of them. */
#ifndef CONFIG_BT_GATT_CCC_MAX
#define CONFIG_BT_GATT_CCC_MAX CONFIG_BT_MAX_CONN
#endif
#define BT_GATT_CCC_MAX CONFIG_BT_GATT_CCC_MAX

struct zble_host;

/* One peer's configuration. zble: keyed by the host too (_host), so hosts
 * in one process that share a static CCC do not clash. */
struct bt_gatt_ccc_cfg {
	uint8_t id;
	bt_addr_le_t peer;
	uint16_t value;
	const struct zble_host *_host; /* NULL: free entry */
};

/* User data of a managed CCC attribute: application memory. */
struct _bt_gatt_ccc {
	struct bt_gatt_ccc_cfg cfg[BT_GATT_CCC_MAX];
	uint16_t value; /* highest value of all peers' */
	/* The highest value changed (not called for a write of the same). */
	void (*cfg_changed)(const struct bt_gatt_attr *attr, uint16_t value);
	/* Validates a write: return the bytes written, or BT_GATT_ERR(). */
	ssize_t (*cfg_write)(struct bt_conn *conn, const struct bt_gatt_attr *attr, uint16_t value);
	/* Whether conn may get notifications/indications from attr. */
	bool (*cfg_match)(struct bt_conn *conn, const struct bt_gatt_attr *attr);
};
#define bt_gatt_ccc_managed_user_data _bt_gatt_ccc

/* Attribute declaration macros (Core Vol 3 Part G 3). */
#define BT_GATT_ATTRIBUTE(_uuid, _perm, _read, _write, _user_data) \
	{ .uuid = (_uuid), .read = (_read), .write = (_write), .user_data = (void *)(_user_data), .handle = 0, .perm = (_perm) }

#define BT_GATT_PRIMARY_SERVICE(_service) \
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_PRIMARY, BT_GATT_PERM_READ, bt_gatt_attr_read_service, NULL, (_service))
#define BT_GATT_SECONDARY_SERVICE(_service) \
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_SECONDARY, BT_GATT_PERM_READ, bt_gatt_attr_read_service, NULL, (_service))
/* _service_incl: the declaration attribute of the included service. */
#define BT_GATT_INCLUDE_SERVICE(_service_incl) \
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_INCLUDE, BT_GATT_PERM_READ, bt_gatt_attr_read_included, NULL, (_service_incl))

#define BT_GATT_CHRC_INIT(_uuid, _handle, _props) { .uuid = (_uuid), .value_handle = (_handle), .properties = (_props) }
/* The declaration, then the value attribute. */
#define BT_GATT_CHARACTERISTIC(_uuid, _props, _perm, _read, _write, _user_data)                              \
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_CHRC, BT_GATT_PERM_READ, bt_gatt_attr_read_chrc, NULL,                \
			  ((struct bt_gatt_chrc[]){ BT_GATT_CHRC_INIT(_uuid, 0U, _props) })),                \
		BT_GATT_ATTRIBUTE(_uuid, _perm, _read, _write, _user_data)

#define BT_GATT_CCC_INITIALIZER(_changed, _write, _match) \
	{ .value = 0, .cfg_changed = (_changed), .cfg_write = (_write), .cfg_match = (_match) }
#define BT_GATT_CCC_MANAGED_USER_DATA_INIT BT_GATT_CCC_INITIALIZER
#define BT_GATT_CCC_MANAGED(_ccc, _perm) \
	BT_GATT_ATTRIBUTE(BT_UUID_GATT_CCC, _perm, bt_gatt_attr_read_ccc, bt_gatt_attr_write_ccc, (_ccc))
#define BT_GATT_CCC(_changed, _perm) \
	BT_GATT_CCC_MANAGED(((struct _bt_gatt_ccc[]){ BT_GATT_CCC_INITIALIZER(_changed, NULL, NULL) }), _perm)
#define BT_GATT_CCC_WITH_WRITE_CB(_changed, _write, _perm) \
	BT_GATT_CCC_MANAGED(((struct _bt_gatt_ccc[]){ BT_GATT_CCC_INITIALIZER(_changed, _write, NULL) }), _perm)

#define BT_GATT_DESCRIPTOR(_uuid, _perm, _read, _write, _user_data) \
	BT_GATT_ATTRIBUTE(_uuid, _perm, _read, _write, _user_data)
/* _value: a NUL-terminated string. */
#define BT_GATT_CUD(_value, _perm) BT_GATT_DESCRIPTOR(BT_UUID_GATT_CUD, _perm, bt_gatt_attr_read_cud, NULL, (_value))
/* _value: a struct bt_gatt_cep pointer. */
#define BT_GATT_CEP(_value) \
	BT_GATT_DESCRIPTOR(BT_UUID_GATT_CEP, BT_GATT_PERM_READ, bt_gatt_attr_read_cep, NULL, (_value))
/* _value: a struct bt_gatt_cpf pointer. */
#define BT_GATT_CPF(_value) \
	BT_GATT_DESCRIPTOR(BT_UUID_GATT_CPF, BT_GATT_PERM_READ, bt_gatt_attr_read_cpf, NULL, (_value))

#define BT_GATT_SERVICE(_attrs) { .attrs = (_attrs), .attr_count = ARRAY_SIZE(_attrs) }

#if defined(__APPLE__)
#define ZBLE_GATT_SVC_SECTION __attribute__((used, section("__DATA,zble_gatt_svc")))
#else
#define ZBLE_GATT_SVC_SECTION __attribute__((used, section("zble_gatt_svc"), aligned(__alignof__(struct bt_gatt_service_static))))
#endif

/* A service every host serves, from before bt_enable() (see above). */
#define BT_GATT_SERVICE_DEFINE(_name, ...)                            \
	const struct bt_gatt_attr attr_##_name[] = { __VA_ARGS__ }; \
	const struct bt_gatt_service_static _name ZBLE_GATT_SVC_SECTION = {  \
		.attrs = attr_##_name, .attr_count = ARRAY_SIZE(attr_##_name), ._sort_name = #_name }

/* Adds a service to the current host's database after its last handle,
 * or at the handles preset in its attributes. 0, -EINVAL (no attributes),
 * -EALREADY (registered already, or a GAP/GATT service: the host serves
 * those), -EEXIST (preset handles taken or out of order), -ENOMEM (past
 * handle 0xffff). Subscribed peers get a Service Changed indication. */
int bt_gatt_service_register(struct bt_gatt_service *svc);
/* 0, -ENOENT (not registered). Handles the host assigned are cleared. */
int bt_gatt_service_unregister(struct bt_gatt_service *svc);
bool bt_gatt_service_is_registered(const struct bt_gatt_service *svc);

/* Walks the current host's attributes start_handle..end_handle in order,
 * those of type uuid (NULL: any) and user data attr_data (NULL: any), up
 * to num_matches of them (0: all). */
void bt_gatt_foreach_attr_type(uint16_t start_handle, uint16_t end_handle, const struct bt_uuid *uuid,
			       const void *attr_data, uint16_t num_matches, bt_gatt_attr_func_t func, void *user_data);
void bt_gatt_foreach_attr(uint16_t start_handle, uint16_t end_handle, bt_gatt_attr_func_t func, void *user_data);
/* The first attribute of type uuid from attr on (NULL: from the first),
 * looking at attr_count attributes (0: to the end), or NULL. */
const struct bt_gatt_attr *bt_gatt_find_by_uuid(const struct bt_gatt_attr *attr, uint16_t attr_count,
						const struct bt_uuid *uuid);
/* The attribute after attr, or NULL. */
struct bt_gatt_attr *bt_gatt_attr_next(const struct bt_gatt_attr *attr);
/* attr's handle (0: not in the database). */
uint16_t bt_gatt_attr_get_handle(const struct bt_gatt_attr *attr);
/* The value handle of a characteristic declaration attribute, else 0. */
uint16_t bt_gatt_attr_value_handle(const struct bt_gatt_attr *attr);

/* Copies value[offset..] into buf: the bytes copied, or
 * BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET) when offset > value_len. */
ssize_t bt_gatt_attr_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t buf_len,
			  uint16_t offset, const void *value, uint16_t value_len);
/* Read callbacks of the declarations and descriptors above. */
ssize_t bt_gatt_attr_read_service(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
				  uint16_t offset);
ssize_t bt_gatt_attr_read_included(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
				   uint16_t offset);
ssize_t bt_gatt_attr_read_chrc(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			       uint16_t offset);
/* conn's own configuration (0 for NULL). */
ssize_t bt_gatt_attr_read_ccc(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset);
/* Stores conn's configuration; cfg_write may refuse it; cfg_changed runs
 * when the highest value of all peers changes. */
ssize_t bt_gatt_attr_write_ccc(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			       uint16_t offset, uint8_t flags);
ssize_t bt_gatt_attr_read_cep(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset);
ssize_t bt_gatt_attr_read_cud(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset);
ssize_t bt_gatt_attr_read_cpf(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset);

/* ---- notifications and indications ---- */

typedef void (*bt_gatt_complete_func_t)(struct bt_conn *conn, void *user_data);

struct bt_gatt_notify_params {
	/* Either the attribute, or a UUID searched from attr (or from the
	 * first attribute). A characteristic declaration stands for its
	 * value. */
	const struct bt_uuid *uuid;
	const struct bt_gatt_attr *attr;
	const void *data;
	uint16_t len;
	/* Runs once per link when the controller has sent the PDU. */
	bt_gatt_complete_func_t func;
	void *user_data;
};

struct bt_gatt_indicate_params;
/* err: 0 when confirmed, else an ATT error (BT_ATT_ERR_UNLIKELY when the
 * link went or the peer did not confirm in time). */
typedef void (*bt_gatt_indicate_func_t)(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err);
typedef void (*bt_gatt_indicate_params_destroy_t)(struct bt_gatt_indicate_params *params);

/* Must stay valid until destroy runs (or func for the last link). */
struct bt_gatt_indicate_params {
	const struct bt_uuid *uuid;
	const struct bt_gatt_attr *attr;
	bt_gatt_indicate_func_t func;
	bt_gatt_indicate_params_destroy_t destroy;
	const void *data;
	uint16_t len;
	uint8_t _ref; /* links still to complete */
};

/* Notifies conn, or with conn NULL every link subscribed to the
 * characteristic. 0; -EINVAL (attribute not in the database, the
 * characteristic cannot notify, conn not subscribed); -ENOENT (no
 * attribute of type uuid); -EMSGSIZE (len > ATT_MTU - 3 of conn: nothing
 * is truncated); -ENOMEM (no buffer: back-pressure, retry after a
 * completion); -ENOTCONN (conn is down, or with conn NULL no link is
 * subscribed). With conn NULL the links are served in turn and the first
 * failure is returned. */
int bt_gatt_notify_cb(struct bt_conn *conn, struct bt_gatt_notify_params *params);
int bt_gatt_notify(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *data, uint16_t len);
int bt_gatt_notify_uuid(struct bt_conn *conn, const struct bt_uuid *uuid, const struct bt_gatt_attr *attr,
			const void *data, uint16_t len);
/* As bt_gatt_notify_cb, for indications: func(conn, params, err) per link,
 * then destroy(params) once. */
int bt_gatt_indicate(struct bt_conn *conn, struct bt_gatt_indicate_params *params);
/* Whether conn enabled ccc_type (BT_GATT_CCC_NOTIFY/INDICATE) in the CCC
 * of the characteristic attr belongs to (declaration, value or CCC). */
bool bt_gatt_is_subscribed(struct bt_conn *conn, const struct bt_gatt_attr *attr, uint16_t ccc_type);

/* ===== end server ===== */

/* ===== client ===== */

/* The ATT bearer (both roles). att_mtu_updated runs on both peers when an
 * Exchange MTU completes: tx and rx are the new ATT_MTU of the link. */
struct bt_gatt_cb {
	void (*att_mtu_updated)(struct bt_conn *conn, uint16_t tx, uint16_t rx);
	sys_snode_t node;
};
void bt_gatt_cb_register(struct bt_gatt_cb *cb);
/* The ATT_MTU of conn (23 until exchanged), 0 without a usable bearer. */
uint16_t bt_gatt_get_mtu(struct bt_conn *conn);

/* How the client calls work (zble). Each call queues a procedure on the
 * link (CONFIG_BT_GATT_CLIENT_QUEUE of them, the running one included) and
 * returns at once: 0; -EINVAL (bad arguments); -ENOTCONN (no link, or its
 * bearer timed out); -ENOMEM (queue full). Procedures run one at a time, in
 * order, and their callbacks run in the host context, where further calls
 * are allowed. The params structs belong to the caller and must stay valid
 * until the procedure ends. Errors reach callbacks as ATT error codes;
 * BT_ATT_ERR_UNLIKELY stands for a malformed or wrong answer, the 30 s
 * transaction timeout and the link's end. */

struct bt_gatt_exchange_params {
	void (*func)(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params);
};
/* Once per link from this side (-EALREADY after that); the peer's own
 * exchange does not prevent it. */
int bt_gatt_exchange_mtu(struct bt_conn *conn, struct bt_gatt_exchange_params *params);

enum {
	BT_GATT_DISCOVER_PRIMARY,
	BT_GATT_DISCOVER_SECONDARY,
	BT_GATT_DISCOVER_INCLUDE,
	BT_GATT_DISCOVER_CHARACTERISTIC,
	BT_GATT_DISCOVER_DESCRIPTOR,
	BT_GATT_DISCOVER_ATTRIBUTE,
	BT_GATT_DISCOVER_STD_CHAR_DESC,
};

struct bt_gatt_discover_params;
/* attr is valid for the call only; attr->user_data points to a struct
 * bt_gatt_service_val (services), bt_gatt_include (includes), bt_gatt_chrc
 * (characteristics), bt_gatt_cep / bt_gatt_ccc / bt_gatt_cpf (standard
 * descriptors), or is NULL (descriptors, attributes). Return
 * BT_GATT_ITER_CONTINUE or BT_GATT_ITER_STOP. After the last result (or
 * on an error) it runs once more with attr NULL, unless it stopped. */
typedef uint8_t (*bt_gatt_discover_func_t)(struct bt_conn *conn, const struct bt_gatt_attr *attr,
					   struct bt_gatt_discover_params *params);

struct bt_gatt_discover_params {
	/* Filter (NULL: all). Primary and secondary services by UUID use
	 * Find By Type Value; STD_CHAR_DESC needs one of CEP, CCC or CPF. */
	const struct bt_uuid *uuid;
	bt_gatt_discover_func_t func;
	union {
		struct {
			uint16_t attr_handle;
			uint16_t start_handle;
			uint16_t end_handle;
		} _included;
		uint16_t start_handle;
	};
	uint16_t end_handle;
	uint8_t type;
};
int bt_gatt_discover(struct bt_conn *conn, struct bt_gatt_discover_params *params);

struct bt_gatt_read_params;
/* data/length: a piece of a value; data NULL once at the end (err 0) or
 * with the error. Return BT_GATT_ITER_STOP to end the read early (no final
 * call then).
 * - single (handle_count 1): a long value arrives in pieces, each at
 *   params->single.offset (advanced as they come), Read Blob continuing
 *   until a piece shorter than ATT_MTU - 1; a caller that wants one
 *   contiguous value gathers the pieces (MicroPython's glue does).
 * - by UUID (handle_count 0): one call per attribute found, its handle in
 *   params->by_uuid.start_handle; values are as long as one Read By Type
 *   Response carries (ATT_MTU - 4 at most).
 * - multiple (handle_count > 1): Read Multiple gives one call with the
 *   concatenated values; with .multiple.variable (Read Multiple Variable
 *   Length) one call per value. */
typedef uint8_t (*bt_gatt_read_func_t)(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params,
				       const void *data, uint16_t length);

struct bt_gatt_read_params {
	bt_gatt_read_func_t func;
	size_t handle_count;
	union {
		struct {
			uint16_t handle;
			uint16_t offset;
		} single;
		struct {
			uint16_t *handles;
			bool variable;
		} multiple;
		struct {
			uint16_t start_handle;
			uint16_t end_handle;
			const struct bt_uuid *uuid;
		} by_uuid;
	};
};
int bt_gatt_read(struct bt_conn *conn, struct bt_gatt_read_params *params);

struct bt_gatt_write_params;
typedef void (*bt_gatt_write_func_t)(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params);

/* A value longer than ATT_MTU - 3, or an offset, is written with Prepare
 * Write and Execute Write (the echoed parts are checked; a mismatch cancels
 * the queue and fails with BT_ATT_ERR_UNLIKELY). */
struct bt_gatt_write_params {
	bt_gatt_write_func_t func;
	uint16_t handle;
	uint16_t offset;
	const void *data;
	uint16_t length;
};
int bt_gatt_write(struct bt_conn *conn, struct bt_gatt_write_params *params);

typedef void (*bt_gatt_complete_func_t)(struct bt_conn *conn, void *user_data);
/* A Write Command, not queued behind the procedures: several may be in
 * flight. func (may be NULL) runs once the controller has sent it. 0,
 * -EINVAL, -ENOTCONN, -EMSGSIZE (longer than ATT_MTU - 3), -ENOMEM (no
 * buffer now: retry after a completion), -ENOTSUP (sign: no signing key
 * until SMP provides one). */
int bt_gatt_write_without_response_cb(struct bt_conn *conn, uint16_t handle, const void *data, uint16_t length,
				      bool sign, bt_gatt_complete_func_t func, void *user_data);
static inline int bt_gatt_write_without_response(struct bt_conn *conn, uint16_t handle, const void *data,
						 uint16_t length, bool sign)
{
	return bt_gatt_write_without_response_cb(conn, handle, data, length, sign, NULL, NULL);
}

enum {
	BT_GATT_SUBSCRIBE_FLAG_VOLATILE,
	BT_GATT_SUBSCRIBE_FLAG_NO_RESUB,
	BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING,
	BT_GATT_SUBSCRIBE_FLAG_SENT,
	BT_GATT_SUBSCRIBE_NUM_FLAGS
};

struct bt_gatt_subscribe_params;
/* A notification or indication value (data NULL: the subscription ended:
 * unsubscribed, or the link went). Return BT_GATT_ITER_STOP to
 * unsubscribe. */
typedef uint8_t (*bt_gatt_notify_func_t)(struct bt_conn *conn, struct bt_gatt_subscribe_params *params,
					 const void *data, uint16_t length);
/* The CCC write of a subscribe or unsubscribe completed. */
typedef void (*bt_gatt_subscribe_func_t)(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params);

struct bt_gatt_subscribe_params {
	bt_gatt_notify_func_t notify;
	bt_gatt_subscribe_func_t subscribe;
	uint16_t value_handle;
	uint16_t ccc_handle;
	uint16_t value; /* BT_GATT_CCC_NOTIFY and/or BT_GATT_CCC_INDICATE */
	atomic_t flags[ATOMIC_BITMAP_SIZE(BT_GATT_SUBSCRIBE_NUM_FLAGS)];
	sys_snode_t node;
};
/* Values are delivered from the call on (even before the CCC write
 * completes). Several subscriptions per link; several for one value
 * handle share its CCC, which gets their union. -EALREADY: params is
 * subscribed already. Subscriptions end with the link (notify with data
 * NULL), as Zephyr does for unbonded peers. */
int bt_gatt_subscribe(struct bt_conn *conn, struct bt_gatt_subscribe_params *params);
/* Writes the CCC with what the remaining subscriptions of that value handle
 * need, then notify(NULL) and subscribe(err). -EINVAL: not subscribed. */
int bt_gatt_unsubscribe(struct bt_conn *conn, struct bt_gatt_subscribe_params *params);
/* Forgets a queued procedure that has not started (its callbacks will not
 * run); a running one completes normally. */
void bt_gatt_cancel(struct bt_conn *conn, void *params);

/* ===== end client ===== */

#endif
