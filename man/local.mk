## man/: mdoc pages for each program and each configuration file.
man_MANS += man/mailhealthd.8 man/mailhealthd.conf.5
EXTRA_DIST += man/mailhealthd.8 man/mailhealthd.conf.5
man_MANS += man/mailhealth-sms.8 man/mailhealth-sms.conf.5
EXTRA_DIST += man/mailhealth-sms.8 man/mailhealth-sms.conf.5
