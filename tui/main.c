/* main.c: the `ckpt` program's entry point: the command table (name, function,
 * one-line help), `ckpt --help` / `ckpt help [CMD]` / `ckpt --version`, the
 * terminal's character set, and the check that everything printed reached
 * stdout. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct command {
	const char *name;
	cli_command_fn fn;
	const char *summary;
} command;

static const command commands[] = {
    {"ls", cmd_ls, "list the checkpoint runs under folders"},
    {"show", cmd_show, "show a run's summary and epochs, or one epoch"},
    {"history", cmd_history, "print a run's metric history (table, CSV or JSON)"},
    {"verify", cmd_verify, "check the stored checksums of every epoch"},
    {"clean", cmd_clean, "delete old epochs by a retention rule"},
    {"restart", cmd_restart, "roll a run back so that its next restart loads an epoch"},
    {"relink", cmd_relink, "rewrite moved or absolute best/last links as relative ones"},
    {"demo", cmd_demo, "run a simulated trainer that writes real checkpoints"},
};

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: ckpt COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Inspect and manage checkpoint runs written by CANDLE's CandleCkpt or libckpt.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -h, --help     show this help ('ckpt COMMAND --help' for a command's)\n"
		"  --version      show the program and library versions\n"
		"\n"
		"Exit status: 0 fine, 1 problems found or operation refused, 2 usage error or\n"
		"unreadable input, 130 interrupted.\n");
}

/* `ckpt help CMD` is `ckpt CMD --help`. */
static int run_help(int argc, char **argv)
{
	if (argc < 3) {
		print_help(stdout);
		return CLI_OK;
	}
	const command *cmd = find_command(argv[2]);
	if (!cmd) {
		fprintf(stderr, "ckpt: unknown command '%s'\nTry 'ckpt --help'.\n",
			cli_text(argv[2]));
		return CLI_USAGE;
	}
	char *help_argv[] = {(char *)cmd->name, "--help", NULL};
	return cmd->fn(2, help_argv);
}

static int dispatch(int argc, char **argv)
{
	/* The dashboard will take the bare `ckpt`; until then it shows help. */
	if (argc < 2) {
		print_help(stdout);
		return CLI_OK;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0)
		return run_help(argc, argv);
	if (strcmp(name, "--version") == 0) {
		printf("ckpt %s (libckpt %s)\n", CKPT_VERSION_STRING, ckpt_version());
		return CLI_OK;
	}
	const command *cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr, "ckpt: unknown command '%s'\nTry 'ckpt --help'.\n", cli_text(name));
		return CLI_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	cli_term_init();
	int status = dispatch(argc, argv);
	cli_text_release();
	/* A full disk or closed pipe must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckpt: cannot write the output: %s\n", strerror(errno));
		return status ? status : CLI_USAGE;
	}
	return status;
}
