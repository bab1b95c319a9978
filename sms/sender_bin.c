/*
 * sender_bin.c: mailhealth-sms-sender. Everything lives in libmhsmssend
 * (sender_main.c) and libmhsms.
 */
#include "config.h"

#include "sms.h"

int
main(int argc, char **argv)
{
	return sender_main(argc, argv);
}
