/* test_dawproject_read.c -- the DAWproject import's pure parts
 * (server/interchange/): entry names the zip reader accepts, archives it
 * refuses (too many entries, duplicate and escaping names, a size header
 * that lies, an entry over the caller's cap), the XML parse (DOCTYPEs in
 * UTF-8 and UTF-16, entities, schema errors naming the element) and the
 * mapping (beats and seconds, linear and decibel volumes, plug-ins and
 * external files reported, a File path outside the archive refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/zipw.h"
#include "server/interchange/dawproject.h"
#include "server/interchange/zip_read.h"

struct buf {
    unsigned char *p;
    size_t n;
};

static int put(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;
    unsigned char *q = realloc(b->p, b->n + len);

    if (!q)
        return -1;
    memcpy(q + b->n, data, len);
    b->p = q;
    b->n += len;
    return 0;
}

/* A zip (stored entries) of names[i] -> texts[i]. */
static struct buf make_zip(const char *const *names, const char *const *texts,
                           size_t n)
{
    struct buf b = {NULL, 0};
    eng_zipw *z = eng_zipw_new(put, &b);

    for (size_t i = 0; i < n; i++) {
        assert_int_equal(eng_zipw_begin(z, names[i], 0, strlen(texts[i])), 0);
        assert_int_equal(eng_zipw_write(z, texts[i], strlen(texts[i])), 0);
        assert_int_equal(eng_zipw_end(z), 0);
    }
    assert_int_equal(eng_zipw_finish(z), 0);
    eng_zipw_free(z);
    return b;
}

static const ix_zip_limits lim = {1 << 20, 10, 200};

static void test_paths(void **state)
{
    (void)state;
    assert_true(ix_zip_path_ok("project.xml"));
    assert_true(ix_zip_path_ok("audio/a b.wav"));
    assert_true(ix_zip_path_ok("audio/"));
    assert_true(ix_zip_path_ok("a..b/c"));
    assert_false(ix_zip_path_ok(""));
    assert_false(ix_zip_path_ok("/etc/passwd"));
    assert_false(ix_zip_path_ok("../x.wav"));
    assert_false(ix_zip_path_ok("a/../../x"));
    assert_false(ix_zip_path_ok("a/./x"));
    assert_false(ix_zip_path_ok("a//x"));
    assert_false(ix_zip_path_ok("audio\\x.wav"));
    assert_false(ix_zip_path_ok("C:x.wav"));
    assert_false(ix_zip_path_ok("a\nb"));
    assert_false(ix_zip_path_ok(".."));
}

static void test_zip(void **state)
{
    const char *names[] = {"project.xml", "audio/x.wav"};
    const char *texts[] = {"<Project/>", "RIFF"};
    struct buf b = make_zip(names, texts, 2);
    ix_zip_status st;
    char err[300];
    unsigned char *out;
    size_t len;
    int64_t w;
    ix_zip *z;

    (void)state;
    z = ix_zip_open_mem(b.p, b.n, &lim, &st, err, sizeof err);
    assert_non_null(z);
    assert_int_equal(ix_zip_count(z), 2);
    assert_true(ix_zip_has(z, "audio/x.wav"));
    assert_false(ix_zip_has(z, "audio/y.wav"));
    assert_int_equal(ix_zip_read_mem(z, "project.xml", 100, "s", &out, &len,
                                     &st, err, sizeof err), 0);
    assert_int_equal(len, 10);
    assert_string_equal((char *)out, "<Project/>");
    free(out);
    /* the caller's cap counts real bytes and names its setting */
    assert_int_equal(ix_zip_read_mem(z, "project.xml", 5, "max_x", &out, &len,
                                     &st, err, sizeof err), -1);
    assert_int_equal(st, IX_ZIP_TOO_BIG);
    assert_non_null(strstr(err, "max_x"));
    assert_int_equal(ix_zip_read_fd(z, "nope.wav", -1, &w, &st, err, sizeof err), -1);
    assert_int_equal(st, IX_ZIP_MISSING);
    assert_non_null(strstr(err, "nope.wav"));
    ix_zip_close(z);
    free(b.p);

    /* not a zip */
    assert_null(ix_zip_open_mem("hello", 5, &lim, &st, err, sizeof err));
    assert_int_equal(st, IX_ZIP_NOT_ZIP);
    assert_null(ix_zip_open_mem("", 0, &lim, &st, err, sizeof err));
}

static void test_zip_refusals(void **state)
{
    const char *dup[] = {"a.txt", "a.txt"}, *esc[] = {"ok.txt", "../x.wav"};
    const char *t2[] = {"1", "2"};
    const char *many[11], *mt[11];
    char names[11][8], err[300];
    ix_zip_status st;
    struct buf b;

    (void)state;
    /* libzip's consistency check (ZIP_CHECKCONS) may see it first */
    b = make_zip(dup, t2, 2);
    assert_null(ix_zip_open_mem(b.p, b.n, &lim, &st, err, sizeof err));
    assert_true(st == IX_ZIP_BAD_PATH || st == IX_ZIP_NOT_ZIP);
    if (st == IX_ZIP_BAD_PATH)
        assert_non_null(strstr(err, "two entries named \"a.txt\""));
    free(b.p);
    b = make_zip(esc, t2, 2);
    assert_null(ix_zip_open_mem(b.p, b.n, &lim, &st, err, sizeof err));
    assert_int_equal(st, IX_ZIP_BAD_PATH);
    assert_non_null(strstr(err, "../x.wav"));
    free(b.p);
    for (int i = 0; i < 11; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        many[i] = names[i];
        mt[i] = "x";
    }
    b = make_zip(many, mt, 11);
    assert_null(ix_zip_open_mem(b.p, b.n, &lim, &st, err, sizeof err));
    assert_int_equal(st, IX_ZIP_TOO_MANY);
    assert_non_null(strstr(err, "max_dawproject_entries"));
    free(b.p);
}

/* A central directory that declares fewer bytes than the entry holds:
 * refused, never more than declared read. */
static void test_zip_lying_size(void **state)
{
    const char *names[] = {"big.bin"};
    char data[5000], err[300];
    const char *texts[1] = {data};
    ix_zip_status st;
    unsigned char *out = NULL;
    size_t len;
    struct buf b;
    ix_zip *z;

    (void)state;
    memset(data, 'A', sizeof data - 1);
    data[sizeof data - 1] = '\0';
    b = make_zip(names, texts, 1);
    for (size_t i = 0; i + 46 < b.n; i++)
        if (b.p[i] == 0x50 && b.p[i + 1] == 0x4b && b.p[i + 2] == 1 &&
            b.p[i + 3] == 2) { /* central header: sizes at +20 and +24 */
            b.p[i + 24] = 10;
            b.p[i + 25] = 0;
        }
    z = ix_zip_open_mem(b.p, b.n, &lim, &st, err, sizeof err);
    if (z) {
        assert_int_equal(ix_zip_read_mem(z, "big.bin", 0, "s", &out, &len,
                                         &st, err, sizeof err), -1);
        assert_true(st == IX_ZIP_DAMAGED);
        assert_true(ix_zip_inflated(z) <= 65536);
        ix_zip_close(z);
    } else {
        assert_true(st == IX_ZIP_NOT_ZIP || st == IX_ZIP_RATIO);
    }
    assert_null(out);
    free(b.p);
}

static xmlDocPtr parse(const char *xml, char *err, size_t n)
{
    return dp_parse((const unsigned char *)xml, strlen(xml), DP_PROJECT, err, n);
}

static void test_parse(void **state)
{
    char err[600];
    xmlDocPtr d;
    unsigned char u16[400];
    const char *x = "<!DOCTYPE Project [<!ENTITY a SYSTEM \"file:///etc/passwd\">]>";
    size_t n = 0;

    (void)state;
    d = parse("<Project version=\"1.0\"><Application name=\"x\" version=\"1\"/></Project>",
              err, sizeof err);
    assert_non_null(d);
    xmlFreeDoc(d);
    assert_null(parse("<?xml version=\"1.0\"?><!DOCTYPE Project [<!ENTITY a \"b\">]>"
                      "<Project version=\"1.0\"><Application name=\"&a;\" version=\"1\"/></Project>",
                      err, sizeof err));
    assert_non_null(strstr(err, "has a DOCTYPE"));
    assert_null(parse("<Project version=\"1.0\"><Application name=\"x\" version=\"1\"/><Bogus/></Project>",
                      err, sizeof err));
    assert_non_null(strstr(err, "does not validate against Project.xsd"));
    assert_non_null(strstr(err, "Bogus"));
    assert_null(parse("<Project version=\"1.0\"><Application", err, sizeof err));
    assert_non_null(strstr(err, "not well-formed"));
    /* UTF-16LE with a BOM */
    u16[n++] = 0xFF;
    u16[n++] = 0xFE;
    for (const char *p = x; *p; p++) {
        u16[n++] = (unsigned char)*p;
        u16[n++] = 0;
    }
    assert_null(dp_parse(u16, n, DP_PROJECT, err, sizeof err));
    assert_non_null(strstr(err, "has a DOCTYPE"));
    assert_null(dp_parse((const unsigned char *)"<MetaData><Nope/></MetaData>", 28,
                         DP_METADATA, err, sizeof err));
    assert_non_null(strstr(err, "MetaData.xsd"));
}

static const json_t *find_op(const json_t *ops, const char *kind, int nth)
{
    size_t i;
    json_t *op;

    json_array_foreach(ops, i, op)
        if (json_string_value(json_object_get(op, "kind")) &&
            !strcmp(json_string_value(json_object_get(op, "kind")), kind) &&
            nth-- == 0)
            return json_object_get(op, "fields");
    return NULL;
}

#define HEAD "<Project version=\"1.0\"><Application name=\"t\" version=\"1\"/>" \
             "<Transport><Tempo unit=\"bpm\" value=\"90\"/></Transport><Structure>" \
             "<Track contentType=\"audio\" id=\"t1\" name=\"A\"><Channel role=\"regular\" id=\"c1\">" \
             "<Devices><ClapPlugin deviceName=\"Surge\" deviceRole=\"audioFX\"/></Devices>" \
             "<Volume unit=\"%s\" value=\"%s\"/></Channel></Track></Structure>" \
             "<Arrangement><Lanes timeUnit=\"%s\"><Lanes track=\"t1\"><Clips>"
#define TAIL "</Clips></Lanes></Lanes></Arrangement></Project>"

static int map(const char *xml, dp_result *r, char *err, size_t n)
{
    xmlDocPtr d = parse(xml, err, n);
    int rc;

    assert_non_null(d);
    rc = dp_map(d, 48000, r, err, n);
    xmlFreeDoc(d);
    return rc;
}

static void test_map_units(void **state)
{
    char xml[2000], err[600];
    dp_result r;

    (void)state;
    snprintf(xml, sizeof xml, HEAD "<Clip time=\"3\" duration=\"1.5\" fadeInTime=\"0.5\">"
             "<Audio channels=\"1\" duration=\"9\" sampleRate=\"48000\"><File path=\"a.wav\"/></Audio></Clip>"
             "<Clip time=\"0\" duration=\"1\"><Audio channels=\"1\" duration=\"9\" sampleRate=\"48000\">"
             "<File path=\"/abs/b.wav\" external=\"true\"/></Audio></Clip>" TAIL,
             "linear", "0.5", "beats");
    assert_int_equal(map(xml, &r, err, sizeof err), 0);
    const json_t *t = find_op(r.ops, "track", 0), *c = find_op(r.ops, "clip", 0);
    assert_true(fabs(json_number_value(json_object_get(t, "gain")) - 20 * log10(0.5)) < 1e-9);
    /* 3 beats at 90 bpm = 2 s */
    assert_int_equal(json_integer_value(json_object_get(c, "start")), 96000);
    assert_int_equal(json_integer_value(json_object_get(c, "length")), 48000);
    assert_int_equal(json_integer_value(json_object_get(c, "fade_in")), 16000);
    assert_null(find_op(r.ops, "clip", 1)); /* the external one */
    assert_int_equal(json_array_size(r.files), 1);
    char *rep = json_dumps(r.report, 0);
    assert_non_null(strstr(rep, "1 CLAP plug-in kept as its name only (Surge)"));
    assert_non_null(strstr(rep, "external file"));
    free(rep);
    dp_result_free(&r);

    snprintf(xml, sizeof xml, HEAD "<Clip time=\"3\" duration=\"1.5\">"
             "<Audio channels=\"1\" duration=\"9\" sampleRate=\"48000\"><File path=\"a.wav\"/></Audio></Clip>" TAIL,
             "decibel", "-4.5", "seconds");
    assert_int_equal(map(xml, &r, err, sizeof err), 0);
    t = find_op(r.ops, "track", 0);
    c = find_op(r.ops, "clip", 0);
    assert_true(fabs(json_number_value(json_object_get(t, "gain")) + 4.5) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(c, "start")), 144000);
    assert_int_equal(json_integer_value(json_object_get(c, "length")), 72000);
    dp_result_free(&r);

    /* a File path outside the archive */
    snprintf(xml, sizeof xml, HEAD "<Clip time=\"0\" duration=\"1\">"
             "<Audio channels=\"1\" duration=\"9\" sampleRate=\"48000\"><File path=\"../../etc/x.wav\"/></Audio></Clip>" TAIL,
             "linear", "1", "beats");
    assert_int_equal(map(xml, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "../../etc/x.wav"));
    assert_null(r.ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_zip),
        cmocka_unit_test(test_zip_refusals),
        cmocka_unit_test(test_zip_lying_size),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_map_units),
    };
    xmlInitParser();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
