/* fuzz-config.c: the CANDLE config parser (INI with Python literals) and the
 * settings checks behind it, on arbitrary bytes. */
#include "internal.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt_params *params = NULL;
	if (ckpt_params_new(&params) != 0)
		return 0;
	if (ckpt_params_parse_config_text(params, (const char *)data, size, "fuzz.txt") == 0) {
		ckpt_settings settings;
		if (ckpt_settings_from_params(&settings, params) == 0)
			ckpt_settings_clear(&settings);
		const char *value;
		ckpt_params_get(&value, params, "epochs");
	}
	ckpt_params_free(params);
	return 0;
}
