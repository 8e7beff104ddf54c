/* The runtime's "current kernel" (zble/port.h) on POSIX: per thread, so the
 * simulator can run many kernels in one process and the threads backend's
 * own threads are bound to their instance. A thread that never set one sees
 * the process default: the first kernel made current anywhere. */
#include <stdatomic.h>
#include <stddef.h>

#include "zble/port.h"

static _Thread_local struct zble_kernel *tls_current;
/* C11 <stdatomic.h> on the _Atomic object, portable to gcc and clang (clang
 * rejects the __atomic_* builtins on an _Atomic-qualified object). */
static struct zble_kernel *_Atomic process_default;

struct zble_kernel *zble_port_current_kernel(void)
{
	return tls_current ? tls_current : atomic_load(&process_default);
}

void zble_port_set_current_kernel(struct zble_kernel *k)
{
	tls_current = k;
	if (k) {
		struct zble_kernel *none = NULL;
		atomic_compare_exchange_strong(&process_default, &none, k);
	} else {
		/* Callers drop the current kernel when it is deinitialised, and it
		 * may be the default: a deinitialised instance must not be reached. */
		atomic_store(&process_default, NULL);
	}
}
