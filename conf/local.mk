## conf/: sample configurations, installed as the defaults' templates.
sampleconfdir = $(sysconfdir)/mailhealth
dist_sampleconf_DATA = conf/mailhealthd.conf
dist_sampleconf_DATA += conf/mailhealth-sms.conf
