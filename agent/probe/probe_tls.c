/* TLS over a probe's connected non-blocking socket (OpenSSL's libssl): each call does what
 * it can without waiting and says what the socket must wait for, so the probe's one
 * deadline covers the handshake too. The certificate is read even when it is not
 * accepted, so its end date is always known. */
#include "probe_tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct tls_link {
	SSL *ssl;
	bool verify;
};

/* Loading a trust store costs far more than a handshake (the system's: some 100 ms of
 * CPU), so each is loaded once per CA file, and again when that file changes. Contexts
 * are shared by the probe threads; each session holds its own reference. */
#define CONTEXTS_MAX 32
static struct context_entry {
	char *ca_file;                /* NULL: the system's trust store */
	bool verify;
	struct timespec changed;      /* the CA file's mtime when it was loaded */
	SSL_CTX *ctx;
} contexts[CONTEXTS_MAX];
static size_t ncontexts;
static pthread_mutex_t contexts_lock = PTHREAD_MUTEX_INITIALIZER;

/* The reason OpenSSL queued last, or FALLBACK. */
static void ssl_reason(char *out, size_t len, const char *fallback)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;

	snprintf(out, len, "%s", reason != NULL ? reason : fallback);
	ERR_clear_error();
}

static SSL_CTX *context_new(const struct tls_params *params, struct tls_outcome *out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char why[96];

	if (ctx == NULL)
		return NULL;
	/* Verified after the handshake, by its result: a certificate not accepted is still read. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* Many servers close without close_notify: that ends a reply, as on plain TCP. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (!params->verify)
		return ctx;
	/* OpenSSL says only "system lib" for a file it cannot open. */
	if (params->ca_file != NULL && access(params->ca_file, R_OK) != 0) {
		snprintf(out->error, sizeof(out->error), "CA file %s not loaded: %s", params->ca_file,
			 strerror(errno));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (params->ca_file != NULL && SSL_CTX_load_verify_locations(ctx, params->ca_file, NULL) != 1) {
		ssl_reason(why, sizeof(why), "not a PEM certificate file");
		snprintf(out->error, sizeof(out->error), "CA file %s not loaded: %s", params->ca_file, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (params->ca_file == NULL && SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(out->error, sizeof(out->error), "the system's trust store not loaded");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static bool same_file(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The shared context for PARAMS, with a reference for the caller; NULL on failure. */
static SSL_CTX *context_for(const struct tls_params *params, struct tls_outcome *out)
{
	struct timespec changed = { 0 };
	struct context_entry *entry = NULL;
	struct stat st;
	SSL_CTX *ctx;

	if (params->verify && params->ca_file != NULL && stat(params->ca_file, &st) == 0)
		changed = st.st_mtim;
	pthread_mutex_lock(&contexts_lock);
	for (size_t i = 0; i < ncontexts && entry == NULL; i++) {
		if (contexts[i].verify == params->verify &&
		    (!params->verify || same_file(contexts[i].ca_file, params->ca_file)))
			entry = &contexts[i];
	}
	if (entry != NULL && entry->changed.tv_sec == changed.tv_sec &&
	    entry->changed.tv_nsec == changed.tv_nsec && SSL_CTX_up_ref(entry->ctx) == 1) {
		pthread_mutex_unlock(&contexts_lock);
		return entry->ctx;
	}
	ctx = context_new(params, out);
	if (ctx != NULL && entry == NULL && ncontexts < CONTEXTS_MAX) {
		entry = &contexts[ncontexts];
		entry->ca_file = params->verify && params->ca_file != NULL ? strdup(params->ca_file) : NULL;
		entry->verify = params->verify;
		if (!params->verify || params->ca_file == NULL || entry->ca_file != NULL)
			ncontexts++;
		else
			entry = NULL;
	}
	if (ctx != NULL && entry != NULL && SSL_CTX_up_ref(ctx) == 1) {
		SSL_CTX_free(entry->ctx);
		entry->ctx = ctx;
		entry->changed = changed;
	}
	pthread_mutex_unlock(&contexts_lock);
	return ctx;
}

static int set_up(struct tls_link *link, int fd, const struct tls_params *params)
{
	X509_VERIFY_PARAM *check;

	if (SSL_set_fd(link->ssl, fd) != 1)
		return -1;
	check = SSL_get0_param(link->ssl);
	if (params->server_name != NULL) {
		if (SSL_set_tlsext_host_name(link->ssl, params->server_name) != 1 ||
		    X509_VERIFY_PARAM_set1_host(check, params->server_name, 0) != 1)
			return -1;
	} else if (params->ip != NULL && X509_VERIFY_PARAM_set1_ip_asc(check, params->ip) != 1) {
		return -1;
	}
	return 0;
}

struct tls_link *tls_open(int fd, const struct tls_params *params, struct tls_outcome *out)
{
	struct tls_link *link = calloc(1, sizeof(*link));
	SSL_CTX *ctx;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	if (link == NULL)
		goto fail;
	link->verify = params->verify;
	ctx = context_for(params, out);
	if (ctx == NULL)
		goto fail;
	link->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	if (link->ssl == NULL || set_up(link, fd, params) < 0)
		goto fail;
	return link;
fail:
	if (out->error[0] == '\0')
		snprintf(out->error, sizeof(out->error), "TLS set-up failed: out of memory");
	tls_close(link);
	return NULL;
}

/* ASN.1 time as ms since the epoch; -1 when it cannot be read. */
static int64_t asn1_time_ms(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

/* Reads the server's certificate and judges it by the handshake's verification. */
static int judge_certificate(struct tls_link *link, struct tls_outcome *out)
{
	X509 *cert = SSL_get1_peer_certificate(link->ssl);
	long verified;

	if (cert == NULL) {
		snprintf(out->error, sizeof(out->error), "the server sent no certificate");
		return -1;
	}
	out->cert_not_after_ms = asn1_time_ms(X509_get0_notAfter(cert));
	out->cert_known = out->cert_not_after_ms >= 0;
	X509_free(cert);
	if (!link->verify)
		return 1;
	verified = SSL_get_verify_result(link->ssl);
	if (verified == X509_V_OK)
		return 1;
	snprintf(out->error, sizeof(out->error), "certificate verify failed: %s",
		 X509_verify_cert_error_string(verified));
	return -1;
}

/* What an SSL call's RESULT asks for: 0 with *EVENTS to wait for, or -1 with errno set. */
static int wait_needed(struct tls_link *link, int result, short *events)
{
	switch (SSL_get_error(link->ssl, result)) {
	case SSL_ERROR_WANT_READ:
		*events = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*events = POLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		errno = ECONNRESET;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = ECONNRESET;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

int tls_handshake(struct tls_link *link, short *events, struct tls_outcome *out)
{
	int result;

	ERR_clear_error();
	errno = 0;
	result = SSL_connect(link->ssl);
	if (result == 1)
		return judge_certificate(link, out);
	if (wait_needed(link, result, events) == 0)
		return 0;
	if (errno == EPROTO) {
		char why[96];

		ssl_reason(why, sizeof(why), "protocol error");
		snprintf(out->error, sizeof(out->error), "handshake failed: %s", why);
	} else {
		snprintf(out->error, sizeof(out->error), "handshake failed: %s", strerror(errno));
	}
	return -1;
}

ssize_t tls_send(struct tls_link *link, const char *buf, size_t len, short *events)
{
	int n;

	ERR_clear_error();
	errno = 0;
	n = SSL_write(link->ssl, buf, (int)(len > 65536 ? 65536 : len));
	if (n > 0)
		return n;
	if (wait_needed(link, n, events) == 0)
		errno = EAGAIN;
	return -1;
}

ssize_t tls_recv(struct tls_link *link, char *buf, size_t len, short *events)
{
	int n;

	ERR_clear_error();
	errno = 0;
	n = SSL_read(link->ssl, buf, (int)(len > 65536 ? 65536 : len));
	if (n > 0)
		return n;
	if (SSL_get_error(link->ssl, n) == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (wait_needed(link, n, events) == 0)
		errno = EAGAIN;
	return -1;
}

void tls_close(struct tls_link *link)
{
	if (link == NULL)
		return;
	SSL_free(link->ssl);
	free(link);
}
