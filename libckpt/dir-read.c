/* dir-read.c: a directory's entries read with getdents64 into a buffer the
 * caller holds. A scan lists three directories a run; opendir's stream
 * costs an fstat and two fcntls on each, and a buffer from the heap. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>

void ckpt_dir_reader_init(ckpt_dir_reader *r, int fd)
{
	r->fd = fd;
	r->len = r->pos = 0;
	r->err = 0;
	r->at_end = fd < 0;
}

const ckpt_dir_entry *ckpt_dir_next(ckpt_dir_reader *r)
{
	for (;;) {
		if (r->pos < r->len) {
			struct dirent64 *d = (struct dirent64 *)(void *)(r->buf + r->pos);
			r->pos += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (d->d_name[1] == '\0' || (d->d_name[1] == '.' && d->d_name[2] == '\0')))
				continue;
			r->entry = (ckpt_dir_entry){.name = d->d_name, .ino = d->d_ino,
						    .type = d->d_type};
			return &r->entry;
		}
		if (r->at_end)
			return NULL;
		ssize_t n = getdents64(r->fd, r->buf, sizeof r->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->err = n < 0 ? errno : 0;
			r->at_end = true;
			return NULL;
		}
		r->len = (size_t)n;
		r->pos = 0;
	}
}
