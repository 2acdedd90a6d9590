/* run_json.c: not written yet */
