/*
 * qmail_env.c: qmail's envelope files (todo, intd, info, local, remote),
 * a sequence of NUL-terminated records. Pure: unit-tested and fuzzed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

/* Envelope parsing (pure; unit-tested and fuzzed). */

void
qmail_env_clear(struct qmail_env *e)
{
	free(e->rcpt);
	memset(e, 0, sizeof(*e));
}

static void
env_push(struct qmail_env *e, const char *addr)
{
	if (e->npending == e->rcap) {
		e->rcap = e->rcap ? e->rcap * 2 : 16;
		e->rcpt = xreallocarray(e->rcpt, e->rcap, sizeof(*e->rcpt));
	}
	e->rcpt[e->npending++] = addr;
}

int
qmail_env_parse(const char *buf, size_t len, enum qmail_file kind,
    struct qmail_env *e, const char **why)
{
	size_t pos = 0, nrec = 0;

	e->sender = NULL;
	e->npending = e->ndone = 0;
	*why = NULL;
	while (pos < len) {
		const char *rec = buf + pos;
		const char *nul = memchr(rec, '\0', len - pos);

		if (nul == NULL) {
			*why = "truncated record";
			return -1;
		}
		pos += (size_t)(nul - rec) + 1;
		nrec++;
		switch (rec[0]) {
		case 'F':
			if (kind == QMAIL_CHAN || e->sender != NULL) {
				*why = "unexpected F record";
				return -1;
			}
			e->sender = rec + 1;
			break;
		case 'T':
		case 'D':
			if (kind == QMAIL_INFO ||
			    (kind == QMAIL_TODO && rec[0] == 'D')) {
				*why = "unexpected recipient record";
				return -1;
			}
			if (rec[0] == 'T')
				env_push(e, rec + 1);
			else
				e->ndone++;
			break;
		case 'u':
		case 'p':
			if (kind != QMAIL_TODO) {
				*why = "unexpected u/p record";
				return -1;
			}
			break;
		default:
			*why = "unknown record type";
			return -1;
		}
	}
	if (kind != QMAIL_CHAN && e->sender == NULL) {
		*why = nrec ? "no F record" : "empty file";
		return -1;
	}
	return 0;
}
