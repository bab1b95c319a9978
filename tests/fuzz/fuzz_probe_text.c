/*
 * fuzz_probe_text.c: libFuzzer target for what the probe engine reads
 * from outside: iptables-save output (rule counts, fingerprint), nft's
 * JSON listing (rule count), server lines cleaned for an error text,
 * SMTP/POP3/IMAP dialogues (each line starting with '>' is ours, the
 * others the server's), certificate dates, and host:port targets. The first byte picks the
 * table and chain names from the input's first line, so the fuzzer can
 * aim at names that exist. Nothing may crash, leak or read past the
 * input; a cleaned line must be printable and fit its buffer.
 *
 * Build and run: tests/fuzz/build.sh, then
 *   build-fuzz/fuzz_probe_text -max_total_time=60 /tmp/c tests/fuzz/corpus/probe_text
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe/probe_int.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *)data;
	char *z = xstrndup(text, size), first[64] = "", *sp;
	char clean[32], host[64], err[128];
	unsigned rules, port;
	bool found;
	enum probe_kind k;
	int days;
	size_t i;

	/* "TABLE CHAIN" from the first line, if it has one */
	probe_text_clean(first, sizeof(first), text, size);
	sp = strchr(first, ' ');
	if (sp != NULL)
		*sp++ = '\0';
	probe_fw_iptables_count(text, size, first, sp, &rules, &found);
	probe_fw_iptables_count(text, size, NULL, NULL, &rules, &found);
	(void)probe_fw_hash(text, size, true);
	(void)probe_fw_hash(text, size, false);
	(void)probe_fw_count_json_rules(z);

	probe_text_clean(clean, sizeof(clean), text, size);
	if (strlen(clean) >= sizeof(clean))
		abort();
	for (i = 0; clean[i] != '\0'; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			abort();
	for (k = PROBE_SMTP; k <= PROBE_IMAPS; k++) {
		struct probe_dialogue dlg;
		char line[160], why[256];
		size_t at = 0;

		memset(&dlg, 0, sizeof(dlg));
		while (at < size) {
			size_t e = at;

			while (e < size && text[e] != '\n')
				e++;
			probe_text_clean(line, sizeof(line), text + at, e - at);
			if (line[0] == '>')
				probe_dialogue_out(&dlg, k, line + 1);
			else
				(void)probe_dialogue_in(&dlg, k, line);
			at = e + 1;
		}
		probe_dialogue_error(&dlg, "closed", why, sizeof(why));
	}
	probe_cert_days(z, time(NULL), &days);
	probe_hostport(z, PROBE_SMTP, host, sizeof(host), &port, err,
	    sizeof(err));
	free(z);
	return 0;
}
