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
		double value;
		(void)ckpt_history_epoch(history, i);
		(void)ckpt_history_value(&value, history, i);
		(void)ckpt_history_session(history, i);
		(void)ckpt_history_time(history, i);
		(void)ckpt_history_extra(&value, history, i, "loss");
	}
	(void)ckpt_history_metric(history);
	(void)ckpt_history_session_count(history);
	/* The --json form of whatever was accepted. */
	char *json = NULL;
	if (ckpt_history_to_json(&json, history, 0) == 0)
		ckpt_free(json);
	ckpt_history_free(history);
	return 0;
}
