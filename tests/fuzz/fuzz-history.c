/* fuzz-history.c: the metrics.jsonl reader (one JSON object a line, Python's
 * bare Infinity/NaN allowed), on arbitrary bytes. */
#include "internal.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt_history *history = NULL;
	if (ckpt_history_parse(&history, (const char *)data, size) != 0)
		return 0;
	for (size_t i = 0; i < ckpt_history_count(history); i++) {
		const ckpt_history_point *point = ckpt_history_get(history, i);
		for (size_t k = 0; k < point->n_extra; k++)
			(void)point->extra[k].value;
	}
	(void)ckpt_history_metric(history);
	ckpt_history_free(history);
	return 0;
}
