#include "config.h"

#include <qb/qblog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define VG_MAX_SECRETS 8
#define VG_LOG_LINE 2048

static char *secrets[VG_MAX_SECRETS];
static size_t nsecrets;
static int log_ready;

void vg_log_add_secret(const char *secret)
{
	char *copy;

	/* Masking a one-character "secret" would shred every message. */
	if (secret == NULL || strlen(secret) < 2 || nsecrets == VG_MAX_SECRETS)
		return;
	copy = strdup(secret);
	if (copy != NULL)
		secrets[nsecrets++] = copy;
}

void vg_log_clear_secrets(void)
{
	for (size_t i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
		secrets[i] = NULL;
	}
	nsecrets = 0;
}

size_t vg_log_mask(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return 0;
	while (*in != '\0' && o + 1 < outlen) {
		size_t matched = 0;

		for (size_t i = 0; i < nsecrets; i++) {
			size_t len = strlen(secrets[i]);

			if (strncmp(in, secrets[i], len) == 0 && len > matched)
				matched = len;
		}
		if (matched > 0) {
			for (const char *m = "****"; *m != '\0' && o + 1 < outlen; m++)
				out[o++] = *m;
			in += matched;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
	return o;
}

void vg_log_vmask(const char *fmt, va_list ap, char *out, size_t outlen)
{
	char *raw = NULL;
	int n = vasprintf(&raw, fmt, ap);

	if (n < 0 || raw == NULL) {
		snprintf(out, outlen, "(message lost: out of memory)");
		return;
	}
	vg_log_mask(raw, out, outlen);
	explicit_bzero(raw, (size_t)n);
	free(raw);
}

/* libqb substitutes % sequences in the format; an instance name is user data. */
static void escape_percent(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;

	for (; *src != '\0' && o + 2 < dstlen; src++) {
		if (*src == '%')
			dst[o++] = '%';
		dst[o++] = *src;
	}
	dst[o] = '\0';
}

void vg_log_init(const char *name, const char *instance, int stderr_priority)
{
	char fmt[256], inst[160] = "";

	qb_log_init(name, LOG_DAEMON, LOG_INFO);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", LOG_INFO);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE,
			  "*", (uint8_t)stderr_priority);
	if (instance != NULL && *instance != '\0')
		escape_percent(inst, sizeof(inst), instance);
	snprintf(fmt, sizeof(fmt), "%%N%s%s%s[%%P]: %%p: %%b", inst[0] ? "(" : "",
		 inst, inst[0] ? ")" : "");
	qb_log_format_set(QB_LOG_SYSLOG, fmt);
	qb_log_format_set(QB_LOG_STDERR, fmt);
	log_ready = 1;
}

void vg_log_fini(void)
{
	if (log_ready)
		qb_log_fini();
	log_ready = 0;
	vg_log_clear_secrets();
}

void vg_vlog(int priority, const char *fmt, va_list ap)
{
	char masked[VG_LOG_LINE];

	/* Mask the whole message before it is cut to length: a secret that
	 * straddled the cut would otherwise escape half-printed. */
	vg_log_vmask(fmt, ap, masked, sizeof(masked));
	if (log_ready)
		qb_log(priority, "%s", masked);
	else
		fprintf(stderr, "%s\n", masked);
}

void vg_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vg_vlog(priority, fmt, ap);
	va_end(ap);
}
