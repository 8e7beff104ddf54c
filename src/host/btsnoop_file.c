/* POSIX file sink for the btsnoop writer: write(2) to a file descriptor,
 * restarting on EINTR and short writes. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "zble/btsnoop.h"

static int fd_write_all(void *ctx, const void *data, size_t len)
{
	struct zble_btsnoop_file *f = ctx;
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int zble_btsnoop_file_open(struct zble_btsnoop_file *f, const char *path)
{
	if (f == NULL || path == NULL) {
		return -EINVAL;
	}
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		return -errno;
	}
	int err = zble_btsnoop_init(&f->snoop, fd_write_all, f);
	if (err < 0) {
		close(f->fd);
		f->fd = -1;
		return err;
	}
	pthread_mutex_init(&f->lock, NULL);
	return err;
}

int zble_btsnoop_file_record(struct zble_btsnoop_file *f, bool received, const uint8_t *h4_pkt, size_t len,
			     uint64_t unix_us)
{
	if (f->fd < 0) {
		return -EBADF;
	}
	pthread_mutex_lock(&f->lock);
	int err = zble_btsnoop_record(&f->snoop, received, h4_pkt, len, unix_us);
	pthread_mutex_unlock(&f->lock);
	return err;
}

int zble_btsnoop_file_close(struct zble_btsnoop_file *f)
{
	if (f == NULL || f->fd < 0) {
		return -EBADF;
	}
	int err = f->snoop.err;
	if (close(f->fd) < 0 && err == 0) {
		err = -errno;
	}
	f->fd = -1;
	pthread_mutex_destroy(&f->lock);
	return err;
}

uint64_t zble_btsnoop_unix_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		return 0;
	}
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
