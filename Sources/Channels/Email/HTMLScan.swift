import CHTMLScan

/// One event of a walk over parsed HTML.
enum HTMLEvent {
    case start(name: String, attributes: [(name: String, value: String)], line: Int)
    case end(name: String)
    case text(String)
    case problem(message: String, line: Int, column: Int)
}

/// Parses HTML with libxml2's forgiving HTML parser and returns the document as events in order.
func scanHTML(_ html: String) -> [HTMLEvent] {
    final class Collector {
        var events: [HTMLEvent] = []
    }
    let collector = Collector()
    var handler = chtml_handler()
    handler.context = Unmanaged.passUnretained(collector).toOpaque()
    handler.start_element = { context, name, attributes, line in
        let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
        var pairs: [(String, String)] = []
        if var p = attributes {
            while let n = p.pointee, let v = p.advanced(by: 1).pointee {
                pairs.append((String(cString: n), String(cString: v)))
                p = p.advanced(by: 2)
            }
        }
        c.events.append(.start(name: String(cString: name!), attributes: pairs, line: Int(line)))
    }
    handler.end_element = { context, name in
        let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
        c.events.append(.end(name: String(cString: name!)))
    }
    handler.text = { context, text, length in
        let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
        let buffer = UnsafeRawBufferPointer(start: text, count: length)
        c.events.append(.text(String(decoding: buffer, as: UTF8.self)))
    }
    handler.problem = { context, message, line, column in
        let c = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
        c.events.append(.problem(message: String(cString: message!), line: Int(line), column: Int(column)))
    }
    var bytes = Array(html.utf8)
    if bytes.isEmpty { return [] }
    bytes.withUnsafeMutableBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
            _ = withUnsafePointer(to: &handler) { chtml_scan(chars.baseAddress, chars.count, $0) }
        }
    }
    return collector.events
}
