/* fuzz-info.c: the ckpt-info.json reader (JSON with Python's bare tokens,
 * then the original's field types), and re-formatting what it accepted. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt_info info;
	if (ckpt_info_parse(&info, (const char *)data, size, "fuzz.json") != 0)
		return 0;
	/* What we accepted must format and read back to the same epoch. */
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &info, NULL, 0);
	ckpt_info again;
	if (!buf.oom) {
		if (ckpt_info_parse(&again, buf.data, buf.len, "formatted") != 0 ||
		    again.epoch != info.epoch)
			abort();
		ckpt_info_clear(&again);
	}
	ckpt_buf_free(&buf);
	ckpt_info_clear(&info);
	return 0;
}
