/* SPDX-License-Identifier: BSD-3-Clause */
/* The rtp layer's startup-file section, [rtp]: the media port range, latching, timeouts. */
#include <string.h>

#include "rtp.h"

#define RF(f) DPV_CFG_FIELD(struct rtp_conf, f)

static int
parse_latching(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	if (strcmp(v, "strict") == 0)
		*(uint8_t *)field = RTP_LATCH_STRICT;
	else if (strcmp(v, "learn") == 0)
		*(uint8_t *)field = RTP_LATCH_LEARN;
	else
		return dpv_cfg_err(c, "'%s' is not a latching mode (strict, learn)", v);
	return 0;
}

static const struct dpv_cfg_key rtp_keys[] = {
    {"port-min", dpv_cfg_parse_uint, RF(port_min), 1024, 65535, DPV_CFG_EVEN, NULL},
    {"port-max", dpv_cfg_parse_uint, RF(port_max), 1024, 65535, 0, NULL},
    {"latching", parse_latching, RF(latching), 0, 0, 0, NULL},
    {"media-timeout-s", dpv_cfg_parse_uint, RF(media_timeout_s), 1, 86400, DPV_CFG_ZERO_OK, NULL},
    {"flood-pps", dpv_cfg_parse_uint, RF(flood_pps), 1, 1000000, DPV_CFG_ZERO_OK, NULL},
    {"flood-burst", dpv_cfg_parse_uint, RF(flood_burst), 1, 100000, 0, NULL},
    {"media-mbufs", dpv_cfg_parse_uint, RF(media_mbufs), 1024, 1048576, 0, NULL},
    {NULL},
};

void
rtp_conf_defaults(struct rtp_conf *rc)
{
	rc->port_min = 20000;
	rc->port_max = 29999;
	rc->latching = RTP_LATCH_STRICT;
	rc->media_timeout_s = 60;
	/* G.711 at 20 ms is 50 packets/s, telephone-event adds as many during a digit, RTCP a
	 * few: four times the voice rate is never reached by a phone, and a port flooded beyond
	 * it costs the lcore no more than that. */
	rc->flood_pps = 200;
	rc->flood_burst = 50;
	rc->media_mbufs = 8192;
}

/* rtp_portpool_create needs a port and its RTCP port in the range. */
static void
check_rtp(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	const struct rtp_conf *rc = s->base;
	const char *key = dpv_cfg_is_set(c, s->name, 0, "port-max") ? "port-max" : "port-min";

	if (dpv_cfg_usable(c, s->name, 0, "port-min") &&
	    dpv_cfg_usable(c, s->name, 0, "port-max") && rc->port_min >= rc->port_max)
		dpv_cfg_blame(c, s->name, 0, key, "port-min (%u) must be less than port-max (%u)",
		              rc->port_min, rc->port_max);
}

struct dpv_cfg_section
rtp_conf_section(struct rtp_conf *rc)
{
	return (struct dpv_cfg_section){
	    .name = "rtp", .instances = 1, .keys = rtp_keys, .base = rc, .check = check_rtp};
}
