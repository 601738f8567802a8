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

static void walk(xmlNodePtr node, const chtml_handler *handler) {
    for (; node != NULL; node = node->next) {
        switch (node->type) {
        case XML_ELEMENT_NODE: {
            const char *attributes[129];
            int count = 0;
            for (xmlAttrPtr a = node->properties; a != NULL && count < 126; a = a->next) {
                xmlChar *value = xmlNodeListGetString(node->doc, a->children, 1);
                attributes[count++] = (const char *)a->name;
                attributes[count++] = value ? (const char *)value : "";
            }
            attributes[count] = NULL;
            if (handler->start_element)
                handler->start_element(handler->context, (const char *)node->name, attributes, (int)xmlGetLineNo(node));
            for (int i = 1; i < count; i += 2)
                if (attributes[i][0] != 0) xmlFree((void *)attributes[i]);
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
