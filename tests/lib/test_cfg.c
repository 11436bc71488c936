/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib's startup-file reader against a small fake section table: [box] (every kind of key,
 * including a repeated one with a parser of its own), [slot0]..[slot3] (multi-instance, with a
 * check that blames a key's line), and a section-less check.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dpv.h"

struct box {
	uint32_t size;
	uint16_t port;
	char name[8];
	unsigned nb_tags;
	char tags[4][16];
	unsigned tag_lines[4];
};

struct slot {
	uint32_t weight;
	uint32_t spare;
};

static struct box box;
static struct slot slots[4];
static char path[64];
static char *errs;
static unsigned cross_runs;

/* DPV_CFG_REPEAT: every "tag = X" is kept with its own line. */
static int
parse_tag(struct dpv_cfg *c, const struct dpv_cfg_key *k, void *field, const char *v)
{
	struct box *b = field;

	if (b->nb_tags >= 4)
		return dpv_cfg_err(c, "too many tags (max 4)");
	if (strlen(v) >= sizeof(b->tags[0]))
		return dpv_cfg_err(c, "tag '%s' too long", v);
	strcpy(b->tags[b->nb_tags], v);
	b->tag_lines[b->nb_tags++] = dpv_cfg_lineno(c);
	return 0;
}

static const struct dpv_cfg_key box_keys[] = {
    {"size", dpv_cfg_parse_uint, DPV_CFG_FIELD(struct box, size), 8, 1024,
     DPV_CFG_POW2 | DPV_CFG_ZERO_OK, NULL},
    {"port", dpv_cfg_parse_uint, DPV_CFG_FIELD(struct box, port), 1000, 2000, DPV_CFG_EVEN, NULL},
    {"name", dpv_cfg_parse_string, DPV_CFG_FIELD(struct box, name), 0, 0, DPV_CFG_REQUIRED,
     "a box needs a name"},
    {"tag", parse_tag, 0, sizeof(struct box), 0, 0, DPV_CFG_REPEAT, NULL},
    {NULL},
};

static const struct dpv_cfg_key slot_keys[] = {
    {"weight", dpv_cfg_parse_uint, DPV_CFG_FIELD(struct slot, weight), 1, 100, 0, NULL},
    {"spare", dpv_cfg_parse_uint, DPV_CFG_FIELD(struct slot, spare), 0, 9, 0, NULL},
    {NULL},
};

/* The weights of the slots in the file add up to at most 100: the one over is blamed. */
static void
check_slots(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	const struct slot *sl = s->base;
	unsigned sum = 0;

	for (unsigned i = 0; i < s->instances; i++) {
		if (!dpv_cfg_is_set(c, s->name, i, "weight") ||
		    !dpv_cfg_usable(c, s->name, i, "weight"))
			continue;
		sum += sl[i].weight;
		if (sum > 100)
			dpv_cfg_blame(c, s->name, i, "weight", "weights add up to %u (max 100)",
			              sum);
	}
	/* a slot without a spare: blamed on its header (the key is not set) */
	for (unsigned i = 0; i < s->instances; i++)
		if (dpv_cfg_line(c, s->name, i, NULL) != 0 &&
		    !dpv_cfg_is_set(c, s->name, i, "spare"))
			dpv_cfg_blame(c, s->name, i, "spare", "no spare");
}

/* Runs after both sections' checks, whatever the file holds. */
static void
check_cross(struct dpv_cfg *c, const struct dpv_cfg_section *s)
{
	cross_runs++;
	if (dpv_cfg_is_set(c, "box", 0, "port") && dpv_cfg_usable(c, "box", 0, "port") &&
	    dpv_cfg_is_set(c, "slot", 1, "weight") && box.port / 20 == slots[1].weight)
		dpv_cfg_blame(c, "box", 0, "port", "port %u is slot1's weight times 20", box.port);
}

static int
load_n(const char *text, size_t n)
{
	const struct dpv_cfg_section secs[] = {
	    {"box", 1, true, box_keys, &box, 0, NULL},
	    {"slot", 4, false, slot_keys, slots, sizeof(slots[0]), check_slots},
	    {.check = check_cross},
	};
	size_t len;
	FILE *f;
	int fd, quiet, rc;

	strcpy(path, "/tmp/dpv-test-cfg-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	memset(&box, 0, sizeof(box));
	memset(slots, 0, sizeof(slots));
	quiet = dpv_cfg_load(path, secs, 3, NULL); /* without a stream: counted only */
	memset(&box, 0, sizeof(box));
	memset(slots, 0, sizeof(slots));
	free(errs);
	f = open_memstream(&errs, &len);
	cr_assert_not_null(f);
	rc = dpv_cfg_load(path, secs, 3, f);
	fclose(f);
	unlink(path);
	cr_expect_eq(quiet, rc);
	return rc;
}

static int
load(const char *text)
{
	return load_n(text, strlen(text));
}

/* The problems must be exactly these lines, each after "PATH:". */
static void
expect(const char *text, ...)
{
	char want[4096] = "";
	size_t off = 0;
	const char *line;
	int count = 0, n = load(text);
	va_list ap;

	va_start(ap, text);
	while ((line = va_arg(ap, const char *)) != NULL) {
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s:%s\n", path, line);
		count++;
	}
	va_end(ap);
	cr_expect_str_eq(errs, want);
	cr_expect_eq(n, count);
}

static void
fini(void)
{
	free(errs);
	errs = NULL;
}

TestSuite(cfg, .fini = fini);

Test(cfg, values_repeats_and_instances)
{
	expect("\xef\xbb\xbf; a box\r\n"
	       "[box]\r\n"
	       "name = b1\n"
	       "  size = 0   ; zero is fine\n"
	       "tag = red\n"
	       "port = 1500\n"
	       "tag = blue\n"
	       "[slot2]\n"
	       "weight = 40\n"
	       "spare = 1\n"
	       "[slot0]\n"
	       "weight = 60\n"
	       "spare: 2\n"
	       "[box]\n",
	       "14: [box]: section repeated (first at line 2)", NULL);
	cr_expect_str_eq(box.name, "b1");
	cr_expect_eq(box.size, 0);
	cr_expect_eq(box.port, 1500);
	cr_assert_eq(box.nb_tags, 2);
	cr_expect_str_eq(box.tags[0], "red");
	cr_expect_eq(box.tag_lines[0], 5);
	cr_expect_str_eq(box.tags[1], "blue");
	cr_expect_eq(box.tag_lines[1], 7);
	cr_expect_eq(slots[0].weight, 60);
	cr_expect_eq(slots[0].spare, 2);
	cr_expect_eq(slots[1].weight, 0);
	cr_expect_eq(slots[2].weight, 40);
	cr_expect_eq(slots[2].spare, 1);
	cr_expect_eq(cross_runs, 2, "the section-less check runs on each load");
}

Test(cfg, generic_parsers)
{
	expect("[box]\n"
	       "name = toolongname\n"
	       "size = 12\n"
	       "port = 1001\n"
	       "tag = a\n"
	       "tag =\n"
	       "tag = b\n"
	       "tag = c\n"
	       "tag = d\n"
	       "tag = e\n"
	       "[slot1]\n"
	       "weight = 101\n"
	       "spare = x\n"
	       "weight = 5\n"
	       "[slot3]\n"
	       "spare = 99999999999\n",
	       "2: [box] name: longer than 7 characters",
	       "3: [box] size: 12 is not a power of two in 8..1024",
	       "4: [box] port: 1001 must be even", "6: [box] tag: empty value",
	       "10: [box] tag: too many tags (max 4)",
	       "12: [slot1] weight: 101 is out of range (1..100)",
	       "13: [slot1] spare: 'x' is not a number",
	       "14: [slot1] weight: duplicate key (first set at line 12)",
	       "16: [slot3] spare: 99999999999 is out of range (0..9)", NULL);
	cr_expect_eq(box.nb_tags, 4);
}

Test(cfg, check_blames_the_key_line_else_the_section_line)
{
	expect("[box]\n"
	       "name = b\n"
	       "port = 1200\n"
	       "[slot0]\n"
	       "spare = 1\n"
	       "weight = 70\n"
	       "[slot1]\n"
	       "spare = 1\n"
	       "weight = 60\n"
	       "[slot3]\n",
	       "9: [slot1] weight: weights add up to 130 (max 100)", "10: [slot3] spare: no spare",
	       "3: [box] port: port 1200 is slot1's weight times 20", NULL);
}

Test(cfg, what_the_reader_refuses)
{
	char longl[300];

	memset(longl, 'x', sizeof(longl));
	memcpy(longl, "tag = ", 6);
	longl[sizeof(longl) - 2] = '\n';
	longl[sizeof(longl) - 1] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text),
		         "orphan = 1\n"
		         "[box] extra\n"
		         "[slot4]\n"
		         "weight = 1\n"
		         "[crate]\n"
		         "[slot01]\n"
		         "[box\n"
		         "[box]\n"
		         "= 3\n"
		         "colour = red\n"
		         "just words\n"
		         "%s",
		         longl);
		expect(text, "1: orphan: key outside any [section]",
		       "2: unexpected text after ']': 'extra'",
		       "3: [slot4]: slot id 4 out of range (0..3)",
		       "5: [crate]: unknown section (known: box, slot0..slot3)",
		       "6: [slot01]: unknown section (known: box, slot0..slot3)",
		       "7: section header without ']'", "9: [box]: missing key name before '='",
		       "10: [box] colour: unknown key",
		       "11: [box]: expected 'key = value', got 'just words'",
		       "12: [box] tag: line too long (298 characters, max 197)",
		       "8: [box] name: required key missing: a box needs a name", NULL);
	}
}

Test(cfg, required_section_and_files_that_cannot_be_read)
{
	expect("[slot0]\nweight = 1\nspare = 0\n",
	       "0: [box]: required section missing (it sets name)", NULL);
	{
		static const char nul[] = "[box]\nname = a\0b\n";
		char want[256];

		cr_expect_eq(load_n(nul, sizeof(nul) - 1), 2);
		snprintf(want, sizeof(want),
		         "%s:2: NUL byte in line\n"
		         "%s:1: [box] name: required key missing: a box needs a name\n",
		         path, path);
		cr_expect_str_eq(errs, want);
	}
}

Test(cfg, missing_file)
{
	const struct dpv_cfg_section secs[] = {{"box", 1, true, box_keys, &box, 0, NULL}};
	size_t len;
	FILE *f = open_memstream(&errs, &len);

	cr_assert_eq(dpv_cfg_load("/nonexistent/x.conf", secs, 1, f), 1);
	fclose(f);
	cr_expect_str_eq(errs, "/nonexistent/x.conf:0: cannot open: No such file or directory\n");
}
