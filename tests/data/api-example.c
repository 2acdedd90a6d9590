/* api-example.c: a program using libckpt as an installed ckpt.h and
 * libckpt.pc serve it (test-api builds it with pkg-config): open a run,
 * print the library's version, the run's name and its epochs. */
#include <ckpt.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	ckpt_run *run = NULL;
	if (argc != 2 || ckpt_run_open(&run, argv[1]) != 0) {
		fprintf(stderr, "api-example: %s\n", argc == 2 ? ckpt_error_last() : "usage: RUN");
		return 1;
	}
	printf("%s %s %zu\n", ckpt_version(), ckpt_run_name(run), ckpt_run_epoch_count(run));
	for (size_t i = 0; i < ckpt_run_epoch_count(run); i++)
		printf("%lld\n", (long long)ckpt_epoch_number(ckpt_run_epoch(run, i)));
	ckpt_run_unref(run);
	return 0;
}
