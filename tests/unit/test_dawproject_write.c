/* test_dawproject_write.c -- srv_dawproject_xml (server/interchange/) on
 * documents built in memory: the XML is well-formed and valid against the
 * DAWproject schemas (shared/reference/dawproject, found above the source
 * tree; the test fails when they are missing), and the awkward cases come
 * out right: an empty song (no Markers element, which needs at least
 * one), text that needs escaping in names and metadata, ids that would
 * collide if suffixes used '_' (a send "s" and one named "s_vol", an
 * effect "e" and one named "e_on"), ids with "--" in XML comments, a
 * clip whose asset is not ready (left out with a comment), a -inf clip
 * gain, a delay's automation (no device: a comment), a drums instrument,
 * and the same document giving the same bytes twice. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "server/interchange/interchange.h"
#include "tests/unit/proto_helpers.h"

/* The schema dir: MX_TOP_SRCDIR/../shared/... (a checkout) or ../../
 * (a worktree under wt/). */
static const char *schema_dir(void)
{
    static char dir[PATH_MAX];
    static const char *const ups[] = {"/..", "/../..", "/../../.."};
    char p[PATH_MAX + 32];

    for (size_t i = 0; i < sizeof ups / sizeof ups[0]; i++) {
        snprintf(dir, sizeof dir, "%s%s/shared/reference/dawproject",
                 MX_TOP_SRCDIR, ups[i]);
        snprintf(p, sizeof p, "%s/Project.xsd", dir);
        if (access(p, R_OK) == 0)
            return dir;
    }
    return NULL;
}

static void validate(const char *xml, size_t len, const char *xsd)
{
    const char *d = schema_dir();
    char path[PATH_MAX + 32];
    xmlDocPtr doc;
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vc;

    if (!d)
        fail_msg("the DAWproject schemas are missing (looked for "
                 "shared/reference/dawproject above %s)", MX_TOP_SRCDIR);
    snprintf(path, sizeof path, "%s/%s", d, xsd);
    doc = xmlReadMemory(xml, (int)len, "x.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    pc = xmlSchemaNewParserCtxt(path);
    schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    vc = xmlSchemaNewValidCtxt(schema);
    int rc = xmlSchemaValidateDoc(vc, doc);
    if (rc != 0)
        fprintf(stderr, "%s\n", xml);
    assert_int_equal(rc, 0);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    xmlFreeDoc(doc);
}

/* The string value of an XPath expression over xml (malloc'd). */
static char *xpath(const char *xml, size_t len, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "x.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlChar *s = xmlXPathCastToString(o);
    char *out = strdup((const char *)s);

    xmlFree(s);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return out;
}

static void expect(const char *xml, size_t len, const char *expr,
                   const char *want)
{
    char *got = xpath(xml, len, expr);

    if (strcmp(got, want))
        fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", expr, got, want);
    assert_string_equal(got, want);
    free(got);
}

static struct srv_dawproject_meta meta(const char *title)
{
    struct srv_dawproject_meta m;

    memset(&m, 0, sizeof m);
    snprintf(m.title, sizeof m.title, "%s", title);
    snprintf(m.artist, sizeof m.artist, "Ana & Ben");
    snprintf(m.project_id, sizeof m.project_id, "p_1");
    m.rev = 7;
    return m;
}

static void test_empty_song(void **state)
{
    proto_doc *doc = proto_doc_new("Empty", 44100);
    struct srv_dawproject_meta m = meta("Rock & <Roll> \"live\"");
    char *px, *mx;
    size_t pl, ml;
    proto_err err;

    (void)state;
    assert_int_equal(srv_dawproject_xml(doc, &m, NULL, 0, &px, &pl, &mx, &ml,
                                        &err), 0);
    validate(px, pl, "Project.xsd");
    validate(mx, ml, "MetaData.xsd");
    expect(px, pl, "count(//Markers)", "0");
    expect(px, pl, "count(/Project/Structure/Track)", "1");
    expect(px, pl, "/Project/Structure/Track/Channel/@role", "master");
    expect(px, pl, "/Project/Transport/Tempo/@value", "120");
    expect(mx, ml, "/MetaData/Title", "Rock & <Roll> \"live\"");
    expect(mx, ml, "/MetaData/Artist", "Ana & Ben");
    expect(mx, ml, "/MetaData/Comment",
           "Exported from mixroom " PACKAGE_VERSION ", revision 7 of project p_1");
    free(px);
    free(mx);
    proto_doc_free(doc);
}

static void test_awkward_document(void **state)
{
    proto_doc *doc = base_doc();
    struct srv_dawproject_meta m = meta("Song");
    struct srv_dawproject_audio a = {"a1", "bass <DI>.wav", "", 1, 480000};
    char *px, *mx, *px2, *mx2;
    size_t pl, ml, pl2, ml2;
    proto_err err;

    (void)state;
    assert_int_equal(apply_text(doc,
        "[{\"op\":\"create\",\"id\":\"s\",\"kind\":\"send\",\"fields\":{\"track\":\"t1\",\"target\":\"b1\",\"level\":null}},"
        " {\"op\":\"create\",\"id\":\"s_vol\",\"kind\":\"send\",\"fields\":{\"track\":\"t1\",\"target\":\"b2\"}},"
        " {\"op\":\"create\",\"id\":\"e\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"compressor\",\"order\":\"a1\"}},"
        " {\"op\":\"create\",\"id\":\"e_on\",\"kind\":\"effect\",\"fields\":{\"track\":\"t1\",\"type\":\"limiter\",\"order\":\"a2\"}},"
        " {\"op\":\"create\",\"id\":\"d--1\",\"kind\":\"effect\",\"fields\":{\"track\":\"b1\",\"type\":\"delay\",\"params\":{\"sync\":\"1/4d\"}}},"
        " {\"op\":\"create\",\"id\":\"au\",\"kind\":\"automation\",\"fields\":{\"track\":\"b1\",\"param\":\"d--1.mix\",\"points\":[[0,0.5]]}},"
        " {\"op\":\"create\",\"id\":\"c1\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":0,\"length\":48000,\"gain\":null,\"name\":\"take <1> & more\"}},"
        " {\"op\":\"create\",\"id\":\"c--2\",\"kind\":\"clip\",\"fields\":{\"track\":\"t1\",\"asset\":\"a1\",\"start\":96000,\"length\":4800}},"
        " {\"op\":\"create\",\"id\":\"m1\",\"kind\":\"marker\",\"fields\":{\"at\":24000,\"name\":\"a -- b <c>\"}},"
        " {\"op\":\"create\",\"id\":\"k\",\"kind\":\"track\",\"fields\":{\"name\":\"Drums\",\"role\":\"instrument\",\"instrument\":{\"type\":\"drums\"}}}]",
        &err, NULL, NULL), 0);
    assert_int_equal(srv_dawproject_xml(doc, &m, &a, 1, &px, &pl, &mx, &ml,
                                        &err), 0);
    validate(px, pl, "Project.xsd");
    validate(mx, ml, "MetaData.xsd");
    expect(px, pl, "//Send[@id='snd_s']/Volume/@value", "0");
    expect(px, pl, "//Send[@id='snd_s']/Volume/@id", "snd_s.vol");
    expect(px, pl, "//Send[@id='snd_s_vol']/Volume/@id", "snd_s_vol.vol");
    expect(px, pl, "//Compressor[@id='fx_e']/Enabled/@id", "fx_e.on");
    expect(px, pl, "//Limiter/@id", "fx_e_on");
    expect(px, pl, "//Clip[@name='take <1> & more']/@comment",
           "mixroom: gain=-inf dB");
    expect(px, pl, "//Clip[@name='take <1> & more']/Audio/@name",
           "bass <DI>.wav");
    expect(px, pl, "//Marker/@name", "a -- b <c>");
    expect(px, pl, "//Marker/@time", "0.5");
    expect(px, pl, "count(//Lanes[@track='trk_b1']/Points)", "0");
    expect(px, pl, "contains(//Lanes[@track='trk_b1']/comment(), 'd- -1.mix')",
           "true");
    expect(px, pl, "contains(//Track[@id='trk_b1']/Channel/Devices/comment(), "
                   "'\"sync\":\"1/4d\"')", "true");
    expect(px, pl, "//Track[@id='trk_k']/Channel/Devices/BuiltinDevice/@name",
           "drums");
    /* the same document gives the same bytes */
    assert_int_equal(srv_dawproject_xml(doc, &m, &a, 1, &px2, &pl2, &mx2, &ml2,
                                        &err), 0);
    assert_int_equal(pl, pl2);
    assert_memory_equal(px, px2, pl);
    free(px2);
    free(mx2);
    free(px);
    free(mx);
    /* no audio at all: both audio clips are left out, with comments */
    assert_int_equal(srv_dawproject_xml(doc, &m, NULL, 0, &px, &pl, &mx, &ml,
                                        &err), 0);
    validate(px, pl, "Project.xsd");
    expect(px, pl, "count(//Clip)", "0");
    expect(px, pl, "contains(//Lanes[@track='trk_t1']/Clips/comment()[2], "
                   "'c- -2 left out')", "true");
    free(px);
    free(mx);
    proto_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_song),
        cmocka_unit_test(test_awkward_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
