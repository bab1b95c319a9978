/*
 * conf_int.h: what the three files of mailhealth-sms.conf share, and the
 * only header besides them that sees libconfuse. The rest of the program
 * sees struct sms_conf (sms.h).
 *
 *   sms_conf.c    the options, loading, cross-field checks, freeing
 *   conf_check.c  value checks run while parsing (so errors carry the
 *                 line), durations, quiet hours, small section accessors
 *   conf_gw.c     the sections that reach out (gateway, reconcile) and
 *                 deadman; secret files
 */
#ifndef MH_SMS_CONF_INT_H
#define MH_SMS_CONF_INT_H

#include <confuse.h>

#include "sms.h"

/* conf_check.c */
int conf_check_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value,
    void *result);
void conf_check_register(cfg_t *cfg);
char **conf_list(cfg_t *sec, const char *name, size_t *n);
void conf_strv_free(char **v, size_t n);
const char *conf_str(cfg_t *sec, const char *name);

/* conf_gw.c */
int conf_gw_load(cfg_t *g, struct gw_conf *gw, const char *file, char *err,
    size_t errlen);
void conf_gw_free(struct gw_conf *gw);
char *conf_gw_read_secret(const char *path, char *err, size_t errlen);
int conf_deadman_load(cfg_t *d, struct sms_conf *c);
int conf_recon_load(cfg_t *r, struct sms_conf *c, const char *file,
    char *err, size_t errlen);
void conf_recon_free(struct recon_conf *rc);

#endif
