/*
 * field.h: how a collector describes what it publishes. One table of
 * fields per group, and from that one table come the MIB rows (view/),
 * the --once JSON and text (report.c) and the alarm metrics
 * (metrics.c): no value is read out by hand in three places.
 *
 * A collector's part of the snapshot is a plain struct of its own. A
 * field names a member by offset, says how it is stored (kind), where
 * it goes in MAILHEALTH-MIB (group, arc, SMI type and unit conversion),
 * which metric it is for alarms, and how the text report labels it.
 *
 * Rules every output follows, so no collector repeats them:
 *   - JSON and metrics take the value as stored; the MIB converts it
 *     (conv: bytes to KiB, per cent to hundredths) and clamps it to the
 *     SMI type's range.
 *   - A field whose `have` bits are not all set in its group's (or
 *     row's) have word is unknown: absent from the MIB (noSuchInstance),
 *     null in the JSON, "-" in the text, and no value for alarms.
 *   - FK_AGE is a moment shown as its age, in seconds before the part
 *     was taken; FK_TIME is a moment (JSON unix time, MIB DateAndTime).
 *   - Strings leave through mhstr_clean() (lib/util.h): valid UTF-8, no
 *     control characters, at most MH_STR_MAX octets.
 */
#ifndef MH_FIELD_H
#define MH_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum fld_kind {
	FK_U64 = 1,	/* uint64_t */
	FK_I64,		/* int64_t */
	FK_U32,		/* uint32_t */
	FK_INT,		/* int (enumerations: names[] gives JSON/text) */
	FK_DBL,		/* double */
	FK_TIME,	/* time_t moment, 0 = never */
	FK_AGE,		/* time_t moment shown as seconds before `taken` */
	FK_STR,		/* char *, NULL = absent */
	FK_CHARS,	/* char[] inside the struct */
};

/* SMI types of the view (view/view.h enum mv_type mirrors these). */
enum fld_smi {
	FS_NONE = 0,	/* not in the MIB */
	FS_GAUGE,	/* Gauge32 */
	FS_COUNTER32,
	FS_COUNTER64,
	FS_INTEGER,	/* Integer32 and enumerations */
	FS_UNSIGNED,	/* Unsigned32 */
	FS_STRING,	/* MhString */
	FS_DATEANDTIME,
};

enum fld_conv {
	FC_NONE = 0,
	FC_KIB,		/* bytes -> KiB, rounded up */
	FC_MIB,		/* bytes -> MiB, rounded up */
	FC_X100,	/* x 100, rounded (per cent -> hundredths, load) */
	FC_CEIL,	/* rounded up to a whole number (df's per cent) */
};

#define FF_KEY		0x01u	/* the row's key: its stable MIB index and
				 * the instance of its metrics */
#define FF_NOTEXT	0x02u	/* left out of the text report */
#define FF_NOJSON	0x04u	/* left out of the JSON */
#define FF_TEXTKNOWN	0x10u	/* left out of the text report when
				 * unknown (a peer that is not configured) */
#define FF_INDEX	0x08u	/* a numeric column that is (part of) the
				 * row's MIB index, before the agent-kept
				 * number of an IX_KEY table; see
				 * enum ftab_index */

struct field {
	const char *name;	/* JSON key; text label when no label */
	uint8_t kind;		/* enum fld_kind */
	uint8_t smi;		/* enum fld_smi; FS_NONE: not in the MIB */
	uint8_t conv;		/* enum fld_conv, MIB only */
	uint8_t flags;		/* FF_* */
	uint16_t arc;		/* scalar number or table column */
	uint16_t group;		/* another MIB group than the table's
				 * (mhAgentMta lives in mhAgent); 0 = same */
	uint32_t off;		/* offsetof in the part or row struct */
	uint32_t size;		/* FK_CHARS: sizeof the array */
	uint32_t have;		/* bits that must be set, 0 = always known */
	const char *metric;	/* alarm metric name, NULL for none */
	const char *unit;	/* text report: "msgs", "KiB", "%" */
	const char *label;	/* text report label, NULL = name */
	const char *const *names;	/* FK_INT: value names (JSON, text) */
	/* Alarm metrics: a short detail for the notification text ("top
	 * info@example.com 81%"), from the part and the row (NULL for a
	 * scalar). */
	void (*detail)(const void *data, const void *row, char *buf,
	    size_t len);
};

/* Per-key tables (top senders, users, clients) are indexed by a number
 * the agent keeps per key (view/rowid.c) so a poller's row follows its
 * key from one poll to the next; position tables (queues, disks,
 * services) by their position, 1 for the first; value tables by the
 * values of their FF_INDEX columns (mhConnTable by the port number).
 *
 * An IX_KEY table with FF_INDEX columns is a table of sub-tables, one
 * per value of those columns, rows of a sub-table next to each other:
 * the index is (values, agent-kept number), the rank counts from 1 and
 * top_n rows are served in each sub-table (mhConnHostTable: the top
 * remote hosts of each port, indexed by port and host). */
enum ftab_index { IX_POSITION = 0, IX_KEY, IX_VALUE };

struct ftable {
	const char *name;	/* JSON key: "top_senders" */
	const char *title;	/* text report heading */
	uint16_t arc;		/* table arc under the group, 0 = not in MIB */
	uint8_t index;		/* enum ftab_index */
	uint8_t rank_arc;	/* IX_KEY: the column that carries the rank */
	uint8_t flags;		/* FT_* */
	uint32_t have;		/* group have bits that must be set */
	uint32_t rows_off;	/* offset of the rows: a pointer, or ... */
	uint8_t rows_inline;	/* ... the array itself when 1 */
	uint32_t nrows_off;	/* offset of the size_t row count */
	uint32_t row_size;
	int32_t row_have_off;	/* offset of a uint32_t have word in each
				 * row, -1 for none */
	const struct field *cols;
	size_t ncols;
};
/* ftable flags */
#define FT_TEXT_OPTIONAL 0x01u	/* the text report leaves the table out
				 * when its have bits are not set (a table
				 * only some modes fill, e.g. --once) */

struct fgroup {
	const char *name;	/* JSON key: "queue" */
	const char *title;	/* text report heading */
	uint16_t mib_group;	/* MH_G_*, 0 = not in the MIB */
	uint8_t family;		/* enum mh_family of its metrics' alarms */
	int32_t have_off;	/* offset of the part's uint32_t have word,
				 * -1: every field is always known */
	const struct field *fields;
	size_t nfields;
	const struct ftable *tables;
	size_t ntables;
};

/* field.c: reading a field, the same way for every output */
struct fval {
	enum { FV_NONE, FV_NUM, FV_STR } t;	/* FV_NONE: unknown */
	double num;		/* FV_NUM, converted only by fval_mib */
	int64_t i;		/* FV_NUM as an integer (exact for counters) */
	const char *str;	/* FV_STR (not cleaned), or an enum's name */
};
/* The value of f in base (a part or a row), with have the governing
 * have word and taken the part's time (for FK_AGE). */
void field_get(const struct field *, const void *base, uint32_t have,
    time_t taken, struct fval *);
/* The MIB form of a numeric value: conv applied, clamped to the type. */
int64_t field_mib_int(const struct field *, const struct fval *);
const void *ftable_rows(const struct ftable *, const void *data, size_t *n);
uint32_t fgroup_have(const struct fgroup *, const void *data);
uint32_t ftable_row_have(const struct ftable *, const void *row);
/* The key column of a table, NULL if it has none. */
const struct field *ftable_key(const struct ftable *);
/* The values of a row's FF_INDEX columns, in column order, into out (at
 * most max); returns how many the table has. */
#define FTABLE_INDEX_MAX 4
size_t ftable_row_index(const struct ftable *, const void *row,
    uint32_t *out, size_t max);
/* Is row the first of its sub-table (another FF_INDEX value than prev,
 * or prev NULL)? Always true for a table without FF_INDEX columns'
 * first row, false for its other rows. */
bool ftable_new_sub(const struct ftable *, const void *prev, const void *row);

#define FIELD_AT(T, m)	.off = offsetof(T, m)
#define FIELD_CHARS(T, m) .off = offsetof(T, m), .size = sizeof(((T *)0)->m)
#define FIELDS(a)	(a), (sizeof(a) / sizeof((a)[0]))

#endif
