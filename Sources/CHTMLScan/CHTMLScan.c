#define _GNU_SOURCE
#include "CHTMLScan.h"
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/tree.h>
#include <string.h>

static void report_problem(void *user, xmlErrorPtr error) {
    const chtml_handler *handler = (const chtml_handler *)user;
    if (handler->problem == NULL || error == NULL || error->message == NULL) return;
    // libxml2 messages end with a newline; the handler gets the text without it.
    char message[512];
    size_t n = strlen(error->message);
    if (n >= sizeof message) n = sizeof message - 1;
    memcpy(message, error->message, n);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == '\r')) n--;
    message[n] = 0;
    handler->problem(handler->context, message, error->line, error->int2);
}

/// Fills `attributes` (room for 129) with an element's name, value pairs and a closing NULL; the
/// values are copies, freed by `free_attributes`. Returns the count of names and values.
static int collect_attributes(xmlNodePtr element, const char **attributes) {
    int count = 0;
    for (xmlAttrPtr a = element->properties; a != NULL && count < 126; a = a->next) {
        xmlChar *value = xmlNodeListGetString(element->doc, a->children, 1);
        attributes[count++] = (const char *)a->name;
        attributes[count++] = value ? (const char *)value : "";
    }
    attributes[count] = NULL;
    return count;
}

static void free_attributes(const char **attributes, int count) {
    for (int i = 1; i < count; i += 2)
        if (attributes[i][0] != 0) xmlFree((void *)attributes[i]);
}

static void walk(xmlNodePtr node, const chtml_handler *handler) {
    for (; node != NULL; node = node->next) {
        switch (node->type) {
        case XML_ELEMENT_NODE: {
            const char *attributes[129];
            int count = collect_attributes(node, attributes);
            if (handler->start_element)
                handler->start_element(handler->context, (const char *)node->name, attributes, (int)xmlGetLineNo(node));
            free_attributes(attributes, count);
            walk(node->children, handler);
            if (handler->end_element) handler->end_element(handler->context, (const char *)node->name);
            break;
        }
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (handler->text && node->content)
                handler->text(handler->context, (const char *)node->content, strlen((const char *)node->content));
            break;
        default:
            break;
        }
    }
}

/// Calls `hides` for `element`; its attribute values are copied for the call and freed after.
static int element_hides(xmlNodePtr element, chtml_hides_fn hides) {
    const char *attributes[129];
    int count = collect_attributes(element, attributes);
    int result = hides((const char *)element->name, attributes);
    free_attributes(attributes, count);
    return result;
}

static int find_shown(xmlNodePtr node, const char *needle, size_t needle_length, chtml_hides_fn hides) {
    for (; node != NULL; node = node->next) {
        switch (node->type) {
        case XML_ELEMENT_NODE:
            if (find_shown(node->children, needle, needle_length, hides)) return 1;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE: {
            if (node->content == NULL) break;
            size_t length = strlen((const char *)node->content);
            if (length < needle_length || memmem(node->content, length, needle, needle_length) == NULL) break;
            int hidden = 0;
            for (xmlNodePtr up = node->parent; up != NULL && up->type == XML_ELEMENT_NODE && !hidden; up = up->parent)
                hidden = element_hides(up, hides);
            if (!hidden) return 1;
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

static void ignore_problem(void *user, xmlErrorPtr error) {
    (void)user;
    (void)error;
}

int chtml_shows(const char *html, size_t length, const char *needle, size_t needle_length, chtml_hides_fn hides) {
    htmlParserCtxtPtr context = htmlNewParserCtxt();
    if (context == NULL) return -1;
    xmlSetStructuredErrorFunc(NULL, ignore_problem);
    htmlDocPtr document = htmlCtxtReadMemory(context, html, (int)length, NULL, "UTF-8",
                                             HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    xmlSetStructuredErrorFunc(NULL, NULL);
    htmlFreeParserCtxt(context);
    if (document == NULL) return -1;
    int shown = find_shown(xmlDocGetRootElement(document), needle, needle_length, hides);
    xmlFreeDoc(document);
    return shown;
}

int chtml_scan(const char *html, size_t length, const chtml_handler *handler) {
    htmlParserCtxtPtr context = htmlNewParserCtxt();
    if (context == NULL) return -1;
    xmlSetStructuredErrorFunc((void *)handler, report_problem);
    htmlDocPtr document = htmlCtxtReadMemory(context, html, (int)length, NULL, "UTF-8",
                                             HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    xmlSetStructuredErrorFunc(NULL, NULL);
    htmlFreeParserCtxt(context);
    if (document == NULL) return -1;
    walk(xmlDocGetRootElement(document), handler);
    xmlFreeDoc(document);
    return 0;
}
