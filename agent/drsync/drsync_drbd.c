/*
 * drsync_drbd.c: DRBD's replication state, from the output of
 * `drbdsetup status --json` (DRBD 9, drbd-utils 9) or /proc/drbd
 * (DRBD 8), and what it means for the DR copy.
 *
 * drbdsetup prints an array of resources (drbd-utils, user/v9/
 * drbdsetup.c, resource_status_json and friends):
 *
 *	[{ "name": "r0", "role": "Primary", ...,
 *	   "devices": [{ "volume": 0, "minor": 1, "disk-state": "UpToDate",
 *	                 ... }],
 *	   "connections": [{ "peer-node-id": 1, "name": "dr1",
 *	                     "connection-state": "Connected", ...,
 *	                     "peer_devices": [{ "volume": 0,
 *	                         "replication-state": "Established",
 *	                         "peer-disk-state": "UpToDate",
 *	                         "out-of-sync": 0, ... }] }] }]
 *
 * out-of-sync is in KiB (the kernel's sectors halved). Fields this file
 * does not use may come and go between versions and are ignored.
 *
 * DRBD 8's /proc/drbd (drivers/block/drbd/drbd_proc.c):
 *
 *	version: 8.4.11 (api:1/proto:86-101)
 *	GIT-hash: ... build by ..., 2018-04-26 12:10:42
 *	 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----
 *	    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
 *
 * (st: instead of ro: before 8.3; oos in KiB). DRBD 9 keeps only the
 * version lines there, which is how the two are told apart.
 *
 * Judging (docs/drsync.md): Connected, Established and both disks
 * UpToDate with nothing out of sync is in sync. A resync (SyncSource,
 * SyncTarget, paused or starting), Ahead/Behind, or Established with
 * blocks still out of sync is syncing: the DR copy is behind but the
 * link works. Anything else (StandAlone, Connecting, Disconnected and
 * the other connection states; Diskless, Outdated, Inconsistent or
 * DUnknown disks outside a resync; a device without any connection) is
 * broken. The worst path decides.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "drsync/drsync.h"

static const char *const drbd_syncing[] = {
	"SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT",
	"StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT",
	"WFSyncUUID", "Ahead", "Behind", NULL,
};

static bool
drbd_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static void
drbd_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static struct drbd_path *
drbd_add(struct drbd_state *st, char *err, size_t errlen)
{
	if (st->n == DRBD_PATHS_MAX) {
		snprintf(err, errlen, "more than %d DRBD volumes and peers",
		    DRBD_PATHS_MAX);
		return NULL;
	}
	memset(&st->p[st->n], 0, sizeof(st->p[0]));
	return &st->p[st->n++];
}

/* one resource object of drbdsetup's array */
static int
drbd_json_resource(const struct json *r, struct drbd_state *st, char *err,
    size_t errlen)
{
	const struct json *devs = json_get(r, "devices");
	const struct json *conns = json_get(r, "connections");
	const struct json *d, *c, *pd;
	const char *name = json_get_str(r, "name");

	if (name == NULL || devs == NULL || devs->type != JSON_ARRAY ||
	    (conns != NULL && conns->type != JSON_ARRAY)) {
		snprintf(err, errlen, "a resource without name or devices");
		return -1;
	}
	for (d = devs->child; d; d = d->next) {
		uint64_t vol;
		bool any = false;

		if (!json_get_u64(d, "volume", &vol)) {
			snprintf(err, errlen, "resource %s: a device without "
			    "a volume number", name);
			return -1;
		}
		st->devices++;
		for (c = conns ? conns->child : NULL; c; c = c->next) {
			const struct json *pds = json_get(c, "peer_devices");
			struct drbd_path *p = drbd_add(st, err, errlen);

			if (p == NULL)
				return -1;
			any = true;
			drbd_copy(p->resource, sizeof(p->resource), name);
			p->volume = (int)vol;
			drbd_copy(p->disk, sizeof(p->disk),
			    json_get_str(d, "disk-state"));
			drbd_copy(p->peer, sizeof(p->peer),
			    json_get_str(c, "name"));
			drbd_copy(p->conn, sizeof(p->conn),
			    json_get_str(c, "connection-state"));
			drbd_copy(p->repl, sizeof(p->repl), "Off");
			drbd_copy(p->peer_disk, sizeof(p->peer_disk), "DUnknown");
			for (pd = pds && pds->type == JSON_ARRAY ? pds->child :
			    NULL; pd; pd = pd->next) {
				uint64_t pv;

				if (!json_get_u64(pd, "volume", &pv) || pv != vol)
					continue;
				drbd_copy(p->repl, sizeof(p->repl),
				    json_get_str(pd, "replication-state"));
				drbd_copy(p->peer_disk, sizeof(p->peer_disk),
				    json_get_str(pd, "peer-disk-state"));
				(void)json_get_u64(pd, "out-of-sync", &p->oos_kib);
				break;
			}
		}
		if (!any) {	/* a device with no peer to replicate to */
			struct drbd_path *p = drbd_add(st, err, errlen);

			if (p == NULL)
				return -1;
			drbd_copy(p->resource, sizeof(p->resource), name);
			p->volume = (int)vol;
			drbd_copy(p->disk, sizeof(p->disk),
			    json_get_str(d, "disk-state"));
		}
	}
	return 0;
}

int
drsync_drbd_parse_json(const char *text, size_t len, const char *resource,
    struct drbd_state *st, char *err, size_t errlen)
{
	char jerr[128];
	struct json *root = json_parse(text, len, jerr, sizeof(jerr));
	const struct json *r;
	bool found = false;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (root == NULL) {
		snprintf(err, errlen, "drbdsetup status --json: %s", jerr);
		return -1;
	}
	if (root->type != JSON_ARRAY) {
		snprintf(err, errlen, "drbdsetup status --json: not an array");
		goto out;
	}
	for (r = root->child; r; r = r->next) {
		const char *name = json_get_str(r, "name");

		if (r->type != JSON_OBJECT) {
			snprintf(err, errlen, "drbdsetup status --json: "
			    "a resource that is not an object");
			goto out;
		}
		if (resource && (name == NULL || strcmp(name, resource) != 0))
			continue;
		found = true;
		if (drbd_json_resource(r, st, err, errlen) < 0)
			goto out;
	}
	if (!found) {
		if (resource)
			snprintf(err, errlen, "DRBD resource %s not found",
			    resource);
		else
			snprintf(err, errlen, "no DRBD resource is configured");
		goto out;
	}
	rc = 0;
out:
	json_free(root);
	return rc;
}

/* the word after "key:" in [s, e), into out */
static bool
drbd_field(const char *s, const char *e, const char *key, char *out,
    size_t outlen)
{
	size_t kl = strlen(key);
	const char *p, *w;

	for (p = s; p + kl <= e; p++) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') &&
		    memcmp(p, key, kl) == 0) {
			p += kl;
			for (w = p; w < e && *w != ' ' && *w != '\t'; w++)
				;
			if ((size_t)(w - p) >= outlen)
				return false;
			memcpy(out, p, (size_t)(w - p));
			out[w - p] = '\0';
			return true;
		}
	}
	return false;
}

/* "A/B" into a and b */
static bool
drbd_pair(const char *s, char *a, size_t alen, char *b, size_t blen)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL || slash == s || slash[1] == '\0' ||
	    (size_t)(slash - s) >= alen || strlen(slash + 1) >= blen)
		return false;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	strcpy(b, slash + 1);
	return true;
}

/* " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r---" */
static int
drbd_proc_device(const char *s, const char *e, const char *resource,
    struct drbd_state *st, struct drbd_path **cur, char *err, size_t errlen)
{
	char minor[16], cs[32], ds[80];
	const char *p = s;
	size_t n = 0;

	while (p < e && *p == ' ')
		p++;
	while (p < e && *p >= '0' && *p <= '9' && n < sizeof(minor) - 1)
		minor[n++] = *p++;
	minor[n] = '\0';
	if (n == 0 || p >= e || *p != ':')
		return 0;	/* not a device line: cur goes on */
	*cur = NULL;
	if (!drbd_field(p, e, "cs:", cs, sizeof(cs))) {
		snprintf(err, errlen, "/proc/drbd: device %s without cs:", minor);
		return -1;
	}
	if (strcmp(cs, "Unconfigured") == 0)
		return 0;
	if (resource && strcmp(resource, minor) != 0)
		return 0;
	st->devices++;
	if ((*cur = drbd_add(st, err, errlen)) == NULL)
		return -1;
	drbd_copy((*cur)->resource, sizeof((*cur)->resource), minor);
	(*cur)->v8 = true;
	if (!drbd_field(p, e, "ds:", ds, sizeof(ds)) ||
	    !drbd_pair(ds, (*cur)->disk, sizeof((*cur)->disk),
	    (*cur)->peer_disk, sizeof((*cur)->peer_disk))) {
		snprintf(err, errlen, "/proc/drbd: device %s without ds:A/B",
		    minor);
		return -1;
	}
	/* DRBD 8 has one state for connection and replication */
	if (strcmp(cs, "Connected") == 0) {
		drbd_copy((*cur)->conn, sizeof((*cur)->conn), "Connected");
		drbd_copy((*cur)->repl, sizeof((*cur)->repl), "Established");
	} else if (drbd_in(cs, drbd_syncing) || strcmp(cs, "VerifyS") == 0 ||
	    strcmp(cs, "VerifyT") == 0) {
		drbd_copy((*cur)->conn, sizeof((*cur)->conn), "Connected");
		drbd_copy((*cur)->repl, sizeof((*cur)->repl), cs);
	} else {
		drbd_copy((*cur)->conn, sizeof((*cur)->conn), cs);
		drbd_copy((*cur)->repl, sizeof((*cur)->repl), "Off");
	}
	return 0;
}

int
drsync_drbd_parse_proc(const char *text, size_t len, const char *resource,
    struct drbd_state *st, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	struct drbd_path *cur = NULL;
	bool first = true;

	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		char oos[24];

		if (memchr(p, '\0', (size_t)(e - p))) {
			snprintf(err, errlen, "/proc/drbd: binary data");
			return -1;
		}
		if (first) {
			if (e - p >= 11 && memcmp(p, "version: 8.", 11) == 0) {
				first = false;
			} else if (e - p >= 9 && memcmp(p, "version: ", 9) == 0) {
				return 0;	/* DRBD 9: drbdsetup's job */
			} else {
				snprintf(err, errlen, "/proc/drbd: no "
				    "\"version:\" line first");
				return -1;
			}
		} else if (drbd_proc_device(p, e, resource, st, &cur, err,
		    errlen) < 0) {
			return -1;
		} else if (cur && drbd_field(p, e, "oos:", oos, sizeof(oos))) {
			char *x;

			errno = 0;
			cur->oos_kib = strtoull(oos, &x, 10);
			if (errno || *x != '\0' || oos[0] == '-') {
				snprintf(err, errlen, "/proc/drbd: device %s: "
				    "bad oos:%s", cur->resource, oos);
				return -1;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (first) {
		snprintf(err, errlen, "/proc/drbd: empty");
		return -1;
	}
	if (st->n == 0) {
		if (resource)
			snprintf(err, errlen, "DRBD minor %s not configured",
			    resource);
		else
			snprintf(err, errlen, "no DRBD device is configured");
		return -1;
	}
	return 1;
}

static enum drbd_verdict
drbd_judge_path(const struct drbd_path *p, char *why, size_t len)
{
	char who[160];

	if (p->v8)
		snprintf(who, sizeof(who), "minor %s", p->resource);
	else if (p->peer[0])
		snprintf(who, sizeof(who), "%s/%d to %s", p->resource,
		    p->volume, p->peer);
	else
		snprintf(who, sizeof(who), "%s/%d", p->resource, p->volume);
	if (p->conn[0] == '\0') {
		snprintf(why, len, "%s: no connection to a peer", who);
		return DRBD_BROKEN;
	}
	if (strcmp(p->conn, "Connected") != 0) {
		snprintf(why, len, "%s: %s", who, p->conn);
		return DRBD_BROKEN;
	}
	if (drbd_in(p->repl, drbd_syncing)) {
		snprintf(why, len, "%s: %s, %llu KiB out of sync", who, p->repl,
		    (unsigned long long)p->oos_kib);
		return DRBD_SYNCING;
	}
	if (strcmp(p->repl, "Established") != 0 &&
	    strcmp(p->repl, "VerifyS") != 0 && strcmp(p->repl, "VerifyT") != 0) {
		snprintf(why, len, "%s: replication %s", who, p->repl);
		return DRBD_BROKEN;
	}
	if (strcmp(p->disk, "UpToDate") != 0 ||
	    strcmp(p->peer_disk, "UpToDate") != 0) {
		snprintf(why, len, "%s: disks %s/%s", who, p->disk, p->peer_disk);
		return DRBD_BROKEN;
	}
	if (p->oos_kib > 0) {
		snprintf(why, len, "%s: %s, %llu KiB out of sync", who, p->repl,
		    (unsigned long long)p->oos_kib);
		return DRBD_SYNCING;
	}
	snprintf(why, len, "%s: %s, %s/%s", who, p->repl, p->disk,
	    p->peer_disk);
	return DRBD_IN_SYNC;
}

enum drbd_verdict
drsync_drbd_judge(const struct drbd_state *st, uint64_t *oos_kib, char *why,
    size_t whylen)
{
	enum drbd_verdict worst = DRBD_IN_SYNC;
	char w[256];
	size_t i;

	*oos_kib = 0;
	if (st->n == 0) {
		snprintf(why, whylen, "no DRBD device is configured");
		return DRBD_BROKEN;
	}
	snprintf(why, whylen, "%s", "");
	for (i = 0; i < st->n; i++) {
		enum drbd_verdict v = drbd_judge_path(&st->p[i], w, sizeof(w));

		*oos_kib += st->p[i].oos_kib;
		if (i == 0 || v > worst) {
			worst = v;
			snprintf(why, whylen, "%s", w);
		}
	}
	if (worst == DRBD_IN_SYNC && st->n > 1)
		snprintf(why, whylen, "%zu volume paths in sync", st->n);
	return worst;
}
