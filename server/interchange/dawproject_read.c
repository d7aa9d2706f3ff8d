/* dawproject_read.c -- the safe parse of a DAWproject's XML files: no
 * DOCTYPE at all (so no entity is declared, expanded or fetched), no
 * network, no DTD loading or default attributes, libxml2's own depth and
 * size limits (no XML_PARSE_HUGE), then validation against the schema
 * embedded in the binary (schemas_gen.c from server/interchange/schema/). */
#include "server/interchange/dawproject.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char ix_project_xsd[];
extern const size_t ix_project_xsd_len;
extern const unsigned char ix_metadata_xsd[];
extern const size_t ix_metadata_xsd_len;

/* The first error libxml2 reports, kept as a sentence. */
struct first_error {
    char text[300];
    int line;
    int have;
};

static void on_error(void *ctx, xmlErrorPtr e)
{
    struct first_error *fe = ctx;
    size_t n;

    if (fe->have || !e || e->level < XML_ERR_ERROR)
        return;
    fe->have = 1;
    fe->line = e->line;
    snprintf(fe->text, sizeof fe->text, "%s", e->message ? e->message : "?");
    n = strlen(fe->text);
    while (n > 0 && (fe->text[n - 1] == '\n' || fe->text[n - 1] == ' '))
        fe->text[--n] = '\0';
}

/* True when the bytes hold a document type declaration, in ASCII-based
 * encodings or in UTF-16 of either byte order. */
static int has_doctype(const unsigned char *xml, size_t len)
{
    static const char pat[] = "<!DOCTYPE";
    const size_t pl = sizeof pat - 1;

    for (size_t i = 0; i + pl <= len; i++) {
        if (xml[i] != '<')
            continue;
        if (!memcmp(xml + i, pat, pl))
            return 1;
        for (size_t w = 0; w < 2; w++) { /* '<' then NUL (LE), NUL then '<' (BE) */
            size_t at = i - w, k;
            if (at > i || at + 2 * pl > len)
                continue;
            for (k = 0; k < pl; k++)
                if (xml[at + 2 * k + w] != (unsigned char)pat[k] ||
                    xml[at + 2 * k + 1 - w] != 0)
                    break;
            if (k == pl)
                return 1;
        }
    }
    return 0;
}

xmlDocPtr dp_parse(const unsigned char *xml, size_t len, dp_schema which,
                   char *err, size_t errlen)
{
    const char *file = which == DP_PROJECT ? "project.xml" : "metadata.xml";
    struct first_error fe = {"", 0, 0};
    xmlParserCtxtPtr pctx = NULL;
    xmlSchemaParserCtxtPtr sp = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vc = NULL;
    xmlDocPtr doc = NULL;
    int ok = 0;

    if (len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "%s is too large", file);
        return NULL;
    }
    if (has_doctype(xml, len)) {
        snprintf(err, errlen, "%s has a DOCTYPE; document type declarations "
                 "and entities are refused", file);
        return NULL;
    }
    pctx = xmlNewParserCtxt();
    if (!pctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    doc = xmlCtxtReadMemory(pctx, (const char *)xml, (int)len, file, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !pctx->wellFormed) {
        on_error(&fe, xmlCtxtGetLastError(pctx));
        snprintf(err, errlen, "%s is not well-formed XML (line %d: %s)", file,
                 fe.line, fe.have ? fe.text : "no document");
        goto out;
    }
    /* a DOCTYPE the byte scan could not see (another encoding) */
    if (doc->intSubset || doc->extSubset) {
        snprintf(err, errlen, "%s has a DOCTYPE; document type declarations "
                 "and entities are refused", file);
        goto out;
    }
    sp = which == DP_PROJECT
             ? xmlSchemaNewMemParserCtxt((const char *)ix_project_xsd,
                                         (int)ix_project_xsd_len)
             : xmlSchemaNewMemParserCtxt((const char *)ix_metadata_xsd,
                                         (int)ix_metadata_xsd_len);
    if (!sp || !(schema = xmlSchemaParse(sp)) ||
        !(vc = xmlSchemaNewValidCtxt(schema))) {
        snprintf(err, errlen, "internal: the %s schema cannot be loaded",
                 which == DP_PROJECT ? "Project.xsd" : "MetaData.xsd");
        goto out;
    }
    memset(&fe, 0, sizeof fe);
    xmlSchemaSetValidStructuredErrors(vc, on_error, &fe);
    if (xmlSchemaValidateDoc(vc, doc) != 0) {
        snprintf(err, errlen, "%s does not validate against %s (line %d: %s)",
                 file, which == DP_PROJECT ? "Project.xsd" : "MetaData.xsd",
                 fe.line, fe.have ? fe.text : "invalid");
        goto out;
    }
    ok = 1;
out:
    if (vc)
        xmlSchemaFreeValidCtxt(vc);
    if (schema)
        xmlSchemaFree(schema);
    if (sp)
        xmlSchemaFreeParserCtxt(sp);
    xmlFreeParserCtxt(pctx);
    if (!ok && doc) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

void dp_metadata_title(xmlDocPtr meta, char *title, size_t n)
{
    xmlNodePtr root = meta ? xmlDocGetRootElement(meta) : NULL;

    title[0] = '\0';
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            !xmlStrcmp(c->name, (const xmlChar *)"Title")) {
            xmlChar *t = xmlNodeGetContent(c);
            snprintf(title, n, "%s", t ? (const char *)t : "");
            xmlFree(t);
            return;
        }
}

static void count_rates(xmlNodePtr n, int *r441, int *r48)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (!xmlStrcmp(n->name, (const xmlChar *)"Audio")) {
            xmlChar *r = xmlGetProp(n, (const xmlChar *)"sampleRate");
            if (r && !strcmp((const char *)r, "44100"))
                (*r441)++;
            else if (r && !strcmp((const char *)r, "48000"))
                (*r48)++;
            xmlFree(r);
        }
        count_rates(n->children, r441, r48);
    }
}

int dp_suggest_rate(xmlDocPtr project)
{
    int a = 0, b = 0;

    count_rates(xmlDocGetRootElement(project), &a, &b);
    return a > b ? 44100 : 48000;
}
