/* fuzz-info.c: the ckpt-info.json reader (JSON with Python's bare tokens,
 * then the original's field types), and re-formatting what it accepted. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt_info info, strict;
	int rc = ckpt_info_parse(&info, (const char *)data, size, "fuzz.json");
	/* The quick reader decides nothing the strict one would not. */
	int strict_rc = ckpt_info_parse_strict(&strict, (const char *)data, size, "fuzz.json");
	if (rc != strict_rc || (rc == 0 && !ckpt_info_equal(&info, &strict)))
		abort();
	/* ...nor does it when it puts the strings in a pool, roomy or not. */
	for (size_t room = 96; room <= 8192; room += 8192 - 96) {
		char *pool = malloc(room);
		ckpt_info pooled;
		if (!pool || ckpt_info_parse_in(&pooled, (const char *)data, size, "fuzz.json", pool,
						room) != strict_rc ||
		    (strict_rc == 0 && !ckpt_info_equal(&pooled, &strict)))
			abort();
		ckpt_info_clear(&pooled);
		free(pool);
	}
	if (strict_rc == 0)
		ckpt_info_clear(&strict);
	if (rc != 0)
		return 0;
	/* What we accepted must format and read back the same: the epoch, the
	 * extra metrics (0.2 reads them), the session and the retention. */
	ckpt_metric *extra = calloc(info.n_extra ? info.n_extra : 1, sizeof *extra);
	if (!extra)
		abort();
	for (size_t i = 0; i < info.n_extra; i++)
		extra[i] = (ckpt_metric){info.extra_names[i], info.extra_values[i]};
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_info_format(&buf, &info, extra, info.n_extra);
	ckpt_info again;
	if (!buf.oom) {
		if (ckpt_info_parse(&again, buf.data, buf.len, "formatted") != 0 ||
		    again.epoch != info.epoch || again.n_extra != info.n_extra ||
		    again.keep_limit != info.keep_limit || again.keep_mode != info.keep_mode ||
		    (again.session == NULL) != (info.session == NULL) ||
		    (info.session && strcmp(again.session, info.session) != 0))
			abort();
		for (size_t i = 0; i < info.n_extra; i++)
			if (strcmp(again.extra_names[i], info.extra_names[i]) != 0)
				abort();
		ckpt_info_clear(&again);
	}
	ckpt_buf_free(&buf);
	free(extra);
	ckpt_info_clear(&info);
	return 0;
}
