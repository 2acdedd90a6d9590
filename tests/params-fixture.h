/* params-fixture.h: parameter stores and their settings, shared by
 * test-params and test-config. */
#ifndef CKPT_PARAMS_FIXTURE_H
#define CKPT_PARAMS_FIXTURE_H

#include "internal.h"

/* A params object with epochs set, so that only the key under test can fail. */
ckpt_params *params_with_epochs(void);
/* The settings of params, failing the test when they are refused. */
ckpt_settings settings_of(const ckpt_params *params);
/* Asserts that key reads back as expected (NULL: a null value). */
void assert_get(const ckpt_params *params, const char *key, const char *expected);

#endif
