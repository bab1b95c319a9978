/*
 * exim_hdr.c: Exim's -H spool files (envelope and headers) and -J
 * journals, parsed in place. Pure: unit-tested and fuzzed. The format
 * is described at the top of queue_exim.c and in docs/queues.md.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

#define EXIM_ID_OLD 16
#define EXIM_ID_NEW 23
#define EXIM_RCPT_MAX 10000000u

void
exim_hdr_clear(struct exim_hdr *h)
{
	free(h->rcpt);
	free(h->done);
	memset(h, 0, sizeof(*h));
}

/* The next line, NUL-terminated in place; NULL at the end of buf. */
static char *
next_line(char **pos, char *end)
{
	char *s = *pos, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		return NULL;	/* Exim ends every line with \n */
	*nl = '\0';
	*pos = nl + 1;
	return s;
}

static bool
parse_ulong(const char *s, char **endp, unsigned long *v)
{
	char *e;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &e, 10);
	if (errno)
		return false;
	*endp = e;
	return true;
}

static void
push_ptr(const char ***v, size_t *n, size_t *cap, const char *p)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = p;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Strip what Exim appends to a recipient line, right to left as
 * spool_in.c reads it: " pno" (early Exim 4), " a,pno,b" (Exim 3), or
 * data ending in "#flags" (flag 1: " errors_to len,pno"; flag 2:
 * " orcpt len,dsn_flags"). The address ends with a domain, which cannot
 * hold the characters that end these fields.
 */
static void
strip_rcpt(char *line)
{
	char *p = line + strlen(line) - 1;
	unsigned long flags, len;
	char *e;

	if (p < line)
		return;
	while (p > line && *p >= '0' && *p <= '9')
		p--;
	if (*p == ',') {			/* Exim 3 */
		while (p > line && ((*p >= '0' && *p <= '9') || *p == ','))
			p--;
		if (*p == ' ')
			*p = '\0';
		return;
	}
	if (*p == ' ') {			/* early Exim 4 */
		*p = '\0';
		return;
	}
	if (*p != '#' || !parse_ulong(p + 1, &e, &flags))
		return;
	if (flags & 0x01) {		/* errors_to len,pno */
		while (p > line && ((p[-1] >= '0' && p[-1] <= '9') ||
		    p[-1] == ',' || p[-1] == '-'))
			p--;
		if (!parse_ulong(p, &e, &len) || len >= (unsigned long)(p - line))
			return;
		p -= len + 1;		/* the start of errors_to */
	}
	if (flags & 0x02) {		/* orcpt len,dsn_flags */
		char *q = p - 1;

		while (q > line && ((q[-1] >= '0' && q[-1] <= '9') ||
		    q[-1] == ',' || q[-1] == '-'))
			q--;
		if (!parse_ulong(q, &e, &len) || len >= (unsigned long)(q - line))
			return;
		p = q - len - 1;
	}
	if (p > line && p[-1] == ' ')
		p--;
	*p = '\0';
}

int
exim_hdr_parse(char *buf, size_t len, struct exim_hdr *h, const char **why)
{
	char *pos = buf, *end = buf + len, *l, *e;
	unsigned long v, nr, i, todo;
	size_t idlen;

	h->id = h->sender = NULL;
	h->received = 0;
	h->frozen = false;
	h->nrcpt = h->npending = h->ndone = 0;
	h->hdr_bytes = 0;
	*why = NULL;

	if ((l = next_line(&pos, end)) == NULL)
		goto trunc;
	idlen = strlen(l);
	if ((idlen != EXIM_ID_OLD + 2 && idlen != EXIM_ID_NEW + 2) ||
	    strcmp(l + idlen - 2, "-H") != 0) {
		*why = "first line is not ID-H";
		return -1;
	}
	l[idlen - 2] = '\0';
	h->id = l;
	if (next_line(&pos, end) == NULL)	/* login uid gid */
		goto trunc;
	if ((l = next_line(&pos, end)) == NULL)
		goto trunc;
	idlen = strlen(l);
	if (idlen < 2 || l[0] != '<' || l[idlen - 1] != '>') {
		*why = "sender line is not <address>";
		return -1;
	}
	l[idlen - 1] = '\0';
	h->sender = l + 1;
	if ((l = next_line(&pos, end)) == NULL)
		goto trunc;
	if (!parse_ulong(l, &e, &v) || *e != ' ') {
		*why = "no received time";
		return -1;
	}
	h->received = (time_t)v;

	/* -options; the first line that is not one is the tree */
	for (;;) {
		char *var;

		if ((l = next_line(&pos, end)) == NULL)
			goto trunc;
		if (l[0] != '-')
			break;
		var = l + (l[1] == '-' ? 2 : 1);	/* "--": tainted */
		if (*var == '(') {			/* quoted for a lookup */
			var = strchr(var, ')');
			if (var == NULL) {
				*why = "bad quoted option";
				return -1;
			}
			var++;
		}
		if (strncmp(var, "frozen ", 7) == 0)
			h->frozen = true;
		else if (strncmp(var, "aclc ", 5) == 0 ||
		    strncmp(var, "aclm ", 5) == 0 ||
		    strncmp(var, "acl ", 4) == 0) {
			/* "-aclc NAME LEN" then LEN bytes and a newline,
			 * which may hold newlines of its own */
			char *sp = strrchr(var, ' ');

			if (sp == NULL || !parse_ulong(sp + 1, &e, &v) ||
			    *e != '\0') {
				*why = "bad ACL variable line";
				return -1;
			}
			if (v >= (unsigned long)(end - pos))
				goto trunc;
			pos += v + 1;
		}
	}

	/* the non-recipients tree, in preorder: each node says whether a
	 * left and a right subtree follow */
	if (strcmp(l, "XX") != 0) {
		todo = 1;
		for (;;) {
			if (strlen(l) < 4 || (l[0] != 'Y' && l[0] != 'N') ||
			    (l[1] != 'Y' && l[1] != 'N') || l[2] != ' ') {
				*why = "bad non-recipients tree line";
				return -1;
			}
			push_ptr(&h->done, &h->ndone, &h->dcap, l + 3);
			todo += (l[0] == 'Y') + (l[1] == 'Y');
			if (--todo == 0)
				break;
			if ((l = next_line(&pos, end)) == NULL)
				goto trunc;
		}
	}
	if ((l = next_line(&pos, end)) == NULL)
		goto trunc;
	if (!parse_ulong(l, &e, &nr) || *e != '\0' || nr > EXIM_RCPT_MAX) {
		*why = "bad recipient count";
		return -1;
	}
	if (h->ndone > 1)
		qsort(h->done, h->ndone, sizeof(*h->done), cmp_str);
	for (i = 0; i < nr; i++) {
		if ((l = next_line(&pos, end)) == NULL)
			goto trunc;
		if (*l == '\0') {
			*why = "empty recipient line";
			return -1;
		}
		strip_rcpt(l);
		h->nrcpt++;
		if (h->ndone && bsearch(&l, h->done, h->ndone,
		    sizeof(*h->done), cmp_str))
			continue;
		push_ptr(&h->rcpt, &h->npending, &h->rcap, l);
	}

	/* a blank line, then the headers */
	if ((l = next_line(&pos, end)) == NULL)
		goto trunc;
	if (*l != '\0') {
		*why = "no blank line before the headers";
		return -1;
	}
	while (pos < end) {
		if (!parse_ulong(pos, &e, &v) || e + 2 > end || e[1] != ' ') {
			*why = "bad header length";
			return -1;
		}
		if (v > (unsigned long)(end - (e + 2)))
			goto trunc;
		if (*e != '*')
			h->hdr_bytes += v;
		pos = e + 2 + v;
	}
	return 0;
trunc:
	*why = "truncated file";
	return -1;
}

void
exim_hdr_journal(struct exim_hdr *h, char *buf, size_t len)
{
	char *pos = buf, *end = buf + len, *l;
	size_t j0 = h->ndone, i, k;

	while ((l = next_line(&pos, end)) != NULL)
		if (*l)
			push_ptr(&h->done, &h->ndone, &h->dcap, l);
	if (h->ndone == j0)
		return;
	qsort(h->done, h->ndone, sizeof(*h->done), cmp_str);
	for (i = k = 0; i < h->npending; i++)
		if (!bsearch(&h->rcpt[i], h->done, h->ndone, sizeof(*h->done),
		    cmp_str))
			h->rcpt[k++] = h->rcpt[i];
	h->npending = k;
}
