/* fuzz-log.c: the ckpt.log parser that recovers an original run's metric
 * history, and the history built from it, on arbitrary bytes. */
#include "internal.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt_log_summary summary;
	if (ckpt_log_parse(&summary, (const char *)data, size) != 0)
		return 0;
	ckpt_history *history = NULL;
	if (ckpt_history_from_log(&history, &summary) == 0) {
		for (size_t i = 0; i < ckpt_history_count(history); i++) {
			double value;
			(void)ckpt_history_epoch(history, i);
			(void)ckpt_history_value(&value, history, i);
			(void)ckpt_history_session(history, i);
		}
		char *json = NULL;
		if (ckpt_history_to_json(&json, history, 0) == 0)
			ckpt_free(json);
		ckpt_history_free(history);
	}
	ckpt_log_summary_clear(&summary);
	return 0;
}
