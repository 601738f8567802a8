// A small C interface over libxml2's HTML parser: plain C types and callbacks only, so that Swift
// never imports libxml2's headers (which clash with Foundation's ICU types).
#ifndef CHTMLSCAN_H
#define CHTMLSCAN_H

#include <stddef.h>

typedef struct chtml_handler {
    void *context;
    /// An element opens; `attributes` holds name, value pairs and ends with NULL.
    void (*start_element)(void *context, const char *name, const char *const *attributes, int line);
    void (*end_element)(void *context, const char *name);
    /// Character data (text between tags), UTF-8, not NUL-terminated.
    void (*text)(void *context, const char *text, size_t length);
    /// A parser complaint about malformed markup, with its position.
    void (*problem)(void *context, const char *message, int line, int column);
} chtml_handler;

/// Parses `length` bytes of UTF-8 HTML and walks the document, calling the handler.
/// Returns 0, or -1 when nothing could be parsed at all.
int chtml_scan(const char *html, size_t length, const chtml_handler *handler);

/// Whether an element (its name, and name, value pairs ending with NULL) hides what it contains.
typedef int (*chtml_hides_fn)(const char *name, const char *const *attributes);

/// Parses `length` bytes of UTF-8 HTML and looks for a text node that contains the `needle_length`
/// bytes of `needle` and has no ancestor element that `hides` says hides it. Returns 1 when there
/// is one, 0 when not, -1 when nothing could be parsed. Only the ancestors of the text nodes that
/// contain the needle are shown to `hides`; parser complaints are not reported.
int chtml_shows(const char *html, size_t length, const char *needle, size_t needle_length, chtml_hides_fn hides);

#endif
