/* json-fixture.h: helpers shared by test-json, test-info and test-checksum:
 * a known digest, numbers of parsed objects, error messages, fixtures. */
#ifndef CKPT_JSON_FIXTURE_H
#define CKPT_JSON_FIXTURE_H

#include <cjson/cJSON.h>

#define SHA256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* object[key] as a number (Python's bare tokens too), asserting it is one. */
double number_of(const cJSON *object, const char *key);
/* Fails the test unless ckpt_error_last() contains needle. */
void assert_message_has(const char *needle);

#endif
