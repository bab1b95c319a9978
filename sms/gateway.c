/*
 * gateway.c: sends one request built by gwreq.c: one libcurl easy handle
 * with redirects off, http/https only, TLS verification on unless
 * configured off, bounded timeouts and a bounded response buffer.
 *
 * This is the only file that uses libcurl. It is linked into
 * mailhealth-sms-sender only (libmhsmssend.la), so the trap handler that
 * snmptrapd starts for every notification does not load libcurl and its
 * thirty-odd shared libraries.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

#define GW_MAX_RESPONSE 4096

struct gw_resp {
	char buf[GW_MAX_RESPONSE + 1];
	size_t len;
};

static size_t
gateway_write_cb(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct gw_resp *r = ctx;
	size_t n = size * nmemb, room = GW_MAX_RESPONSE - r->len;

	if (n > room)
		n = room;	/* keep the start, drop the rest quietly */
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return size * nmemb;
}

void
gateway_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
gateway_global_cleanup(void)
{
	curl_global_cleanup();
}

enum gw_result
gateway_send(const struct gw_conf *g, const struct gw_request *r, long *http,
    char *detail, size_t detaillen)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct gw_resp *resp = xcalloc(1, sizeof(*resp));
	char errbuf[CURL_ERROR_SIZE];
	enum gw_result res = GW_TEMP;
	CURLcode cc;
	size_t i;

	*http = 0;
	if (h == NULL) {
		snprintf(detail, detaillen, "curl_easy_init failed");
		goto out;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, g->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, g->timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, gateway_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mailhealth-sms/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, g->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, g->tls_verify ? 2L : 0L);
	if (g->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, g->ca_file);
	if (g->username) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, g->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
		    g->password ? g->password : "");
	}
	if (r->method == GW_POST) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
		    (long)(r->body ? strlen(r->body) : 0));
	}
	if (r->content_type) {
		char *ct = xasprintf("Content-Type: %s", r->content_type);

		hdrs = curl_slist_append(hdrs, ct);
		free(ct);
	}
	for (i = 0; i < r->nheaders; i++)
		hdrs = curl_slist_append(hdrs, r->headers[i]);
	/* no "Expect: 100-continue" round trip for our small bodies */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		snprintf(detail, detaillen, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		res = GW_TEMP;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
	res = gateway_classify(g, *http, resp->buf);
	{
		char *clean = msg_clean(resp->buf);

		snprintf(detail, detaillen, "http %ld%s%.120s", *http,
		    clean[0] ? ": " : "", clean);
		free(clean);
	}
out:
	curl_slist_free_all(hdrs);
	if (h)
		curl_easy_cleanup(h);
	free(resp);
	return res;
}
