import Channels
import Foundation

extension SQLiteStore: SuppressionStore {
    private static let suppressionColumns = "id, partner_id, channel, address, reason, scope, source, detail, created_at"
    /// The global entries first: they say the most about the address. (Made once: the dispatcher
    /// runs it for every send.)
    private static let suppressionQuery = """
        SELECT \(suppressionColumns) FROM suppressions
        WHERE channel = ? AND address = ? AND (partner_id IS NULL OR partner_id = ?) AND (scope = 'all' OR ? = 0)
        ORDER BY partner_id IS NOT NULL, created_at LIMIT 1
        """

    private static func suppression(_ row: SQLRow) -> SuppressionEntry? {
        guard let id = row["id"].text, let channel = row["channel"].text.flatMap(ChannelKind.init(rawValue:)),
              let reason = row["reason"].text.flatMap(SuppressionReason.init(rawValue:)),
              let scope = row["scope"].text.flatMap(SuppressionScope.init(rawValue:))
        else { return nil }
        return SuppressionEntry(id: id, partnerID: row["partner_id"].text, channel: channel, address: row["address"].text ?? "",
                                reason: reason, scope: scope, source: row["source"].text ?? "", detail: row["detail"].text,
                                createdAt: row["created_at"].text ?? "")
    }

    func addSuppression(_ entry: NewSuppression, now: Date) throws -> (entry: SuppressionEntry, created: Bool) {
        let partner: SQLValue = entry.partnerID.map { .text($0) } ?? .null
        return try database.transaction { tx in
            let inserted = try tx.query("""
                INSERT INTO suppressions (\(Self.suppressionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING \(Self.suppressionColumns)
                """, [.text(try Self.newID("sup", at: now)), partner, .text(entry.channel.rawValue), .text(entry.address), .text(entry.reason.rawValue),
                      .text(entry.scope.rawValue), .text(entry.source), entry.detail.map { .text($0) } ?? .null, .text(StoredTime.text(now))])
            if let row = inserted.first, let stored = Self.suppression(row) { return (stored, true) }
            guard let row = try tx.query("""
                SELECT \(Self.suppressionColumns) FROM suppressions
                WHERE coalesce(partner_id, '') = coalesce(?, '') AND channel = ? AND address = ? AND reason = ?
                """, [partner, .text(entry.channel.rawValue), .text(entry.address), .text(entry.reason.rawValue)]).first,
                  let stored = Self.suppression(row)
            else { throw StoreError.notFound("the suppression of \(entry.address)") }
            return (stored, false)
        }
    }

    /// The entry that stops such a message, if any, read with `read` (the dispatcher's is the
    /// transaction that records the attempt).
    static func suppression(_ query: SuppressionQuery, read: (String, [SQLValue]) throws -> [SQLRow]) throws -> SuppressionEntry? {
        try read(suppressionQuery, [.text(query.channel.rawValue), .text(query.address), .text(query.partnerID), .integer(query.transactional ? 1 : 0)])
            .first.flatMap(suppression)
    }

    func suppressions(_ filter: SuppressionFilter) throws -> [SuppressionEntry] {
        var conditions: [String] = []
        var parameters: [SQLValue] = []
        if let partner = filter.partnerID {
            conditions.append("partner_id = ?")
            parameters.append(.text(partner))
        } else if filter.globalOnly {
            conditions.append("partner_id IS NULL")
        }
        if let channel = filter.channel {
            conditions.append("channel = ?")
            parameters.append(.text(channel.rawValue))
        }
        if !filter.addresses.isEmpty {
            conditions.append("address IN (\(filter.addresses.map { _ in "?" }.joined(separator: ", ")))")
            parameters += filter.addresses.map { .text($0) }
        }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        parameters.append(.integer(Int64(filter.limit)))
        return try database.query("SELECT \(Self.suppressionColumns) FROM suppressions \(clause) ORDER BY created_at DESC, rowid DESC LIMIT ?",
                                  parameters).compactMap(Self.suppression)
    }

    func suppression(id: String) throws -> SuppressionEntry? {
        try database.query("SELECT \(Self.suppressionColumns) FROM suppressions WHERE id = ?", [.text(id)]).first.flatMap(Self.suppression)
    }

    func deleteSuppression(id: String) throws -> Bool {
        !(try database.query("DELETE FROM suppressions WHERE id = ? RETURNING id", [.text(id)]).isEmpty)
    }

    func partnerQuotas(partnerID: String) throws -> [ChannelKind: Int] {
        try quotaTables.value(for: partnerID, now: clock.now()) {
            var quotas: [ChannelKind: Int] = [:]
            for row in try database.query("SELECT channel, per_day FROM partner_quotas WHERE partner_id = ?", [.text(partnerID)]) {
                if let channel = row["channel"].text.flatMap(ChannelKind.init(rawValue:)), let perDay = row["per_day"].integer {
                    quotas[channel] = Int(perDay)
                }
            }
            return quotas
        }
    }

    func setPartnerQuotas(partnerID: String, _ changes: [ChannelKind: Int?], now: Date) throws {
        defer { quotaTables.forget(partnerID) }
        try database.transaction { tx in
            for (channel, perDay) in changes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                if let perDay {
                    try tx.query("""
                        INSERT INTO partner_quotas (partner_id, channel, per_day, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (partner_id, channel) DO UPDATE SET per_day = excluded.per_day, updated_at = excluded.updated_at
                        """, [.text(partnerID), .text(channel.rawValue), .integer(Int64(perDay)), .text(StoredTime.text(now))])
                } else {
                    try tx.query("DELETE FROM partner_quotas WHERE partner_id = ? AND channel = ?", [.text(partnerID), .text(channel.rawValue)])
                }
            }
        }
    }

    /// Counts one send on every counter, or on none when one of them is full (which it returns), in
    /// the caller's transaction (the one that records the attempt). Works across nodes sharing the
    /// database: each counter goes up only below its limit, in the statement that reads it.
    static func count(_ counters: [SendCounter], in tx: SQLiteDatabase.Transaction) throws -> SendCounter? {
        guard !counters.isEmpty else { return nil }
        // One counter needs nothing undone: full, it was not counted. (E-mail has only the partner's.)
        let undo = counters.count > 1
        if undo { try tx.query("SAVEPOINT counting") }
        for counter in counters {
            // The update happens only below the limit, so a full counter returns no row and stays as it is.
            let counted = counter.limit <= 0 ? [] : try tx.query("""
                INSERT INTO send_counters (key, period, period_start, sends) VALUES (?, ?, ?, 1)
                ON CONFLICT (key, period) DO UPDATE SET sends = sends + 1 WHERE sends < ?
                RETURNING sends
                """, [.text(counter.key), .text(counter.period), .text(StoredTime.text(counter.periodStart)), .integer(Int64(counter.limit))])
            if counted.isEmpty {
                if undo {
                    try tx.query("ROLLBACK TO counting")
                    try tx.query("RELEASE counting")
                }
                return counter
            }
        }
        if undo { try tx.query("RELEASE counting") }
        return nil
    }

    func sends(key: String, period: String) throws -> Int {
        Int(try database.query("SELECT sends FROM send_counters WHERE key = ? AND period = ?", [.text(key), .text(period)]).first?["sends"].integer ?? 0)
    }

    func pruneSendCounters(before date: Date) throws -> Int {
        try database.query("DELETE FROM send_counters WHERE period_start < ? RETURNING key", [.text(StoredTime.text(date))]).count
    }
}
