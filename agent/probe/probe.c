/* One listener probe (tcp, unix, http or tls) run synchronously under a single deadline that
 * covers connect, send and read together; the reply is judged here. */
#include "probe.h"
#include "clock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include "clean_text.h"
#include "oobhealth.h"
#include "pattern.h"
#include "probe_http.h"
#include "probe_phase.h"
#include "probe_socket.h"

/* Reading stops once the expect pattern matched or gave up on the reply so far: a pattern
 * that ran into its limit is not tried again on more bytes, the reply is judged bad. */
static bool expect_decided(const struct pattern *expect, const char *text, size_t len)
{
	return pattern_match(expect, text, len) != PATTERN_NO_MATCH;
}

static bool expect_complete(const char *reply, size_t len, void *arg)
{
	return expect_decided(arg, reply, len);
}

/* The expect source for an error text, kept on one line: a YAML "\r\n" in it is a real
 * CR LF, which would split the published text. */
static const char *shown_expect(const struct probe_config *probe, char *buf, size_t len)
{
	snprintf(buf, len, "%s", probe->expect);
	clean_text_in_place(buf);
	return buf;
}

/* ---- http ---- */

static bool http_status_ok(const struct probe_config *probe, int status)
{
	if (probe->expect_status == 0)
		return status >= 200 && status <= 299;
	return status == probe->expect_status;
}

static bool http_complete(const char *reply, size_t len, void *arg)
{
	const struct probe_config *probe = arg;
	struct http_reply http;

	http_reply_parse(reply, len, &http);
	/* A reply already known to be bad is judged now, not read until the deadline. */
	if (http.status < 0 || http.header_over)
		return true;
	if (http.body == NULL)
		return false;
	if (probe->expect == NULL || !http_status_ok(probe, http.status))
		return true;
	return expect_decided(probe->expect_re, http.body, http.body_len);
}

/* The reply's first line (at most 40 bytes), escaped: what came instead of a status line. */
static void shown_first_line(const char *reply, size_t len, char *out, size_t out_len)
{
	size_t n = 0;

	while (n < len && n < 40 && reply[n] != '\r' && reply[n] != '\n')
		n++;
	clean_text(out, out_len, reply, n);
}

static void http_judge(const struct probe_config *probe, const struct exchange *ex,
		       struct probe_result *out)
{
	struct http_reply http;
	char wanted[16], shown[80];

	http_reply_parse(ex->reply, ex->reply_len, &http);
	out->status = PROBE_BAD_RESPONSE;
	if (http.status <= 0) {
		shown_first_line(ex->reply, ex->reply_len, shown, sizeof(shown));
		snprintf(out->error, sizeof(out->error),
			 "no valid HTTP status line in the reply (%zu bytes): \"%s\"", ex->reply_len,
			 shown);
		return;
	}
	if (!http_status_ok(probe, http.status)) {
		if (probe->expect_status == 0)
			snprintf(wanted, sizeof(wanted), "2xx");
		else
			snprintf(wanted, sizeof(wanted), "%d", probe->expect_status);
		snprintf(out->error, sizeof(out->error), "HTTP status %d, expected %s%s", http.status,
			 wanted, http.status >= 300 && http.status <= 399
			 ? " (redirects are not followed)" : "");
		return;
	}
	if (http.header_over) {
		snprintf(out->error, sizeof(out->error), "HTTP header block over %d bytes",
			 HTTP_HEADER_MAX);
		return;
	}
	if (http.body == NULL) {
		snprintf(out->error, sizeof(out->error), "HTTP header block incomplete (%zu bytes)",
			 ex->reply_len);
		return;
	}
	switch (probe->expect == NULL ? PATTERN_MATCH
		: pattern_match(probe->expect_re, http.body, http.body_len)) {
	case PATTERN_NO_MATCH:
		snprintf(out->error, sizeof(out->error), "HTTP %d body does not match /%s/",
			 http.status, shown_expect(probe, shown, sizeof(shown)));
		return;
	case PATTERN_GAVE_UP:
		snprintf(out->error, sizeof(out->error),
			 "HTTP %d body: expect /%s/ exceeded its match limit", http.status,
			 shown_expect(probe, shown, sizeof(shown)));
		return;
	case PATTERN_MATCH:
		break;
	}
	out->status = PROBE_OK;
}

/* ---- verdict ---- */

static void judge_reply(const struct probe_config *probe, const struct exchange *ex,
			struct probe_result *out)
{
	char shown[80];

	if (probe->kind == PROBE_HTTP) {
		http_judge(probe, ex, out);
		return;
	}
	out->status = PROBE_BAD_RESPONSE;
	/* Done under an expect means it matched or gave up; matching again tells which. */
	if (ex->end == EXCHANGE_DONE) {
		if (probe->expect == NULL ||
		    pattern_match(probe->expect_re, ex->reply, ex->reply_len) == PATTERN_MATCH)
			out->status = PROBE_OK;
		else
			snprintf(out->error, sizeof(out->error),
				 "expect /%s/ exceeded its match limit on the reply (%zu bytes)",
				 shown_expect(probe, shown, sizeof(shown)), ex->reply_len);
		return;
	}
	if (ex->reply_len == 0)
		snprintf(out->error, sizeof(out->error), "closed without a reply");
	else if (ex->end == EXCHANGE_FULL)
		snprintf(out->error, sizeof(out->error), "no match for /%s/ in the first %d bytes",
			 shown_expect(probe, shown, sizeof(shown)), PROBE_READ_MAX);
	else
		snprintf(out->error, sizeof(out->error), "reply (%zu bytes) does not match /%s/",
			 ex->reply_len, shown_expect(probe, shown, sizeof(shown)));
}

/* The target for an error text: an http URL (up to OH_HTTP_URL_MAX bytes) over 96 bytes is
 * cut, with "...", so that what went wrong still fits; unix paths (at most 107 bytes, and
 * possibly UTF-8, which a cut could split) and addresses are shown whole. */
static const char *shown_target(const struct probe_config *probe, char *buf, size_t len)
{
	if (probe->kind != PROBE_HTTP || strlen(probe->target) < len)
		return probe->target;
	snprintf(buf, len, "%.*s...", (int)(len - 4), probe->target);
	return buf;
}

static void describe_failure(const struct probe_config *probe, const struct exchange *ex,
			     uint32_t took_ms, struct probe_result *out)
{
	char what[160], cut[97];
	const char *target = shown_target(probe, cut, sizeof(cut));
	size_t used;

	switch (ex->end) {
	case EXCHANGE_TIMEOUT:
		out->status = PROBE_TIMEOUT;
		if (ex->seen.syn_sent)
			snprintf(what, sizeof(what), "not completed: connect %s, SYN unanswered",
				 target);
		else if (strcmp(ex->phase, "read") == 0 && ex->reply_len > 0)
			snprintf(what, sizeof(what), "no complete reply from %s (%zu bytes read)",
				 target, ex->reply_len);
		else if (strcmp(ex->phase, "read") == 0)
			snprintf(what, sizeof(what), "no reply from %s", target);
		else
			snprintf(what, sizeof(what), "%s %s", ex->phase, target);
		snprintf(out->error, sizeof(out->error), "%s: timed out after %u ms", what, took_ms);
		return;
	case EXCHANGE_REFUSED:
		out->status = PROBE_REFUSED;
		snprintf(out->error, sizeof(out->error), "connect %s: %s (nothing listens), after %u ms",
			 target, ex->errno_value == ENOENT ? "no such socket"
			 : strerror(ex->errno_value), took_ms);
		return;
	case EXCHANGE_BACKLOG_FULL:
		out->status = PROBE_BACKLOG_FULL;
		snprintf(out->error, sizeof(out->error),
			 "connect %s: accept queue full (listener not accepting), after %u ms",
			 target, took_ms);
		return;
	case EXCHANGE_TLS_FAILED:
		out->status = PROBE_ERROR;
		/* A long CA file path is cut, possibly inside a character. */
		if (snprintf(out->error, sizeof(out->error), "TLS with %s: %s, after %u ms", target,
			     ex->tls_seen.error, took_ms) >= (int)sizeof(out->error))
			clean_text_in_place(out->error);
		return;
	case EXCHANGE_ERROR:
		out->status = PROBE_ERROR;
		snprintf(out->error, sizeof(out->error), "%s %s: %s, after %u ms", ex->phase,
			 target, strerror(ex->errno_value), took_ms);
		return;
	default:
		judge_reply(probe, ex, out);
		if (out->status == PROBE_OK)
			return;
		used = strlen(out->error);
		snprintf(out->error + used, sizeof(out->error) - used, ", after %u ms", took_ms);
	}
}

/* What a TLS probe checks the certificate against: its sni, or else its address. */
static void tls_params_of(const struct probe_config *probe, struct tls_params *params,
			  char *ip, size_t ip_len)
{
	const struct sockaddr *addr = (const struct sockaddr *)&probe->addr;
	const void *bytes = addr->sa_family == AF_INET6
			    ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
			    : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;

	params->server_name = probe->sni;
	params->ca_file = probe->ca_file;
	params->verify = probe->verify;
	params->ip = inet_ntop(addr->sa_family, bytes, ip, (socklen_t)ip_len);
}

void probe_run(const struct probe_config *probe, struct probe_result *out)
{
	struct exchange ex = { 0 };
	struct sockaddr_un sun;
	struct tls_params tls;
	char request[HTTP_REQUEST_MAX], ip[INET6_ADDRSTRLEN];
	uint64_t started = monotonic_us();

	memset(out, 0, sizeof(*out));
	ex.deadline_us = started + (uint64_t)probe->timeout_ms * 1000;
	if (probe->kind == PROBE_UNIX) {
		ex.addr_len = exchange_unix_address(probe->unix_path, &sun);
		ex.addr = (const struct sockaddr *)&sun;
	} else {
		ex.addr = (const struct sockaddr *)&probe->addr;
		ex.addr_len = probe->addr_len;
	}
	if (probe->kind == PROBE_HTTP) {
		ex.send = request;
		ex.send_len = http_request_build(request, sizeof(request), probe->http_host,
						 probe->http_path);
		if (ex.send_len == 0) {
			/* Only a configuration that skipped validation gets here. */
			out->status = PROBE_ERROR;
			out->phase = PHASE_OTHER;
			snprintf(out->error, sizeof(out->error), "no HTTP request sent: the URL is "
				 "over %d bytes or not printable ASCII", OH_HTTP_URL_MAX);
			return;
		}
		ex.read_reply = true;
		ex.complete = http_complete;
		ex.complete_arg = (void *)probe;
	} else {
		ex.send = probe->send;
		ex.send_len = probe->send_len;
		ex.read_reply = probe->send != NULL || probe->expect != NULL;
		if (probe->expect != NULL) {
			ex.complete = expect_complete;
			ex.complete_arg = probe->expect_re;
		}
	}
	if (probe->tls) {
		tls_params_of(probe, &tls, ip, sizeof(ip));
		ex.tls = &tls;
	}
	exchange_run(&ex);
	out->cert_known = ex.tls_seen.cert_known;
	out->cert_not_after_ms = ex.tls_seen.cert_not_after_ms;
	/* The lookup of a timed-out connection is not the probe's time. */
	out->latency_us = (uint32_t)((ex.ended_us != 0 ? ex.ended_us : monotonic_us()) - started);
	describe_failure(probe, &ex, out->latency_us / 1000, out);
	out->phase = probe_phase_classify(out->status, &ex.seen);
	out->unread = ex.seen.unread;
	out->reply_len = ex.reply_len;
	out->request_sent = ex.send_len > 0 || probe->tls;
	out->in_handshake = ex.end == EXCHANGE_TIMEOUT && strncmp(ex.phase, "TLS", 3) == 0;
}
