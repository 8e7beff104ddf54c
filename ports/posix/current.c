/* The runtime's "current kernel" (zble/port.h) on POSIX: per thread, so the
 * simulator can run many kernels in one process and the threads backend's
 * own threads are bound to their instance. A thread that never set one sees
 * the process default: the first kernel made current anywhere. */
#include <stdbool.h>
#include <stddef.h>

#include "zble/port.h"

static _Thread_local struct zble_kernel *tls_current;
static struct zble_kernel *_Atomic process_default;

struct zble_kernel *zble_port_current_kernel(void)
{
	return tls_current ? tls_current : process_default;
}

void zble_port_set_current_kernel(struct zble_kernel *k)
{
	tls_current = k;
	if (k) {
		struct zble_kernel *none = NULL;
		__atomic_compare_exchange_n(&process_default, &none, k, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	} else {
		/* Dropping the current kernel also drops it as the default when it
		 * was one: a deinitialised instance must not be reached. */
		__atomic_store_n(&process_default, NULL, __ATOMIC_SEQ_CST);
	}
}
