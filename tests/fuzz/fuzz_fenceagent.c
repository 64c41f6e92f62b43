/* libFuzzer target: fence_vmguard's stdin and command-line parsing, with
 * the agent's real option table (the agent's source is included so its
 * static table is visible; its main() is renamed away).
 *
 * Input: first byte picks the mode.  Even: the rest is stdin.  Odd: the
 * rest is split at NUL bytes into argv (at most 32 arguments).  Every
 * successful parse is checked with fa_check() and all values are read, so
 * ASan/UBSan see every path a real invocation takes before the action. */
#define main fence_vmguard_main
#include "../../fence/fence_vmguard.c"
#undef main

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all_values(struct fa_ctx *ctx)
{
	size_t sum = 0;

	for (int i = 0; i < ctx->nopts; i++) {
		sum += strlen(fa_str(ctx, i));
		sum += (size_t)fa_int(ctx, i);
		sum += fa_bool(ctx, i);
	}
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fa_ctx ctx;
	char *buf;

	if (size < 1)
		return 0;
	if (fa_ctx_init(&ctx, &fence_vmguard) < 0)
		abort();
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if ((data[0] & 1) == 0) {
		if (fa_parse_stdin_buf(&ctx, buf, size - 1) == 0 && fa_check(&ctx) == 0)
			read_all_values(&ctx);
	} else {
		char *argv[34];
		int argc = 0;
		size_t pos = 0;

		argv[argc++] = (char *)"fence_vmguard";
		/* buf is not NUL-terminated at the end: copy into a terminated one. */
		char *args = calloc(1, size);

		if (args == NULL) {
			free(buf);
			return 0;
		}
		memcpy(args, data + 1, size - 1);
		while (pos < size - 1 && argc < 33) {
			argv[argc++] = args + pos;
			pos += strlen(args + pos) + 1;
		}
		argv[argc] = NULL;
		if (fa_parse_argv(&ctx, argc, argv) == 0 && fa_check(&ctx) == 0)
			read_all_values(&ctx);
		free(args);
	}
	if (ctx.error[0] != '\0' && strlen(ctx.error) >= sizeof(ctx.error))
		abort();
	fa_ctx_free(&ctx);
	free(buf);
	return 0;
}
