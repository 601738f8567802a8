/// The database's schema, as an append-only list: a migration, once shipped, is never edited; a
/// change is a new migration at the end. They run in order at start, each in its own transaction.
enum Migrations {
    struct Migration {
        let id: Int
        let name: String
        let sql: String
    }

    static let all: [Migration] = [
        Migration(id: 1, name: "accounts and tokens", sql: """
            CREATE TABLE partners (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE moderators (
                id TEXT PRIMARY KEY,
                login TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE operators (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('partner_live', 'partner_sandbox', 'moderator', 'operator')),
                owner_id TEXT NOT NULL,
                hash BLOB NOT NULL UNIQUE,
                hint TEXT NOT NULL,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            );
            CREATE INDEX tokens_by_owner ON tokens (owner_id);
            """),
        Migration(id: 2, name: "idempotency keys", sql: """
            CREATE TABLE idempotency_keys (
                owner_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
                status INTEGER,
                content_type TEXT,
                body BLOB,
                created_at TEXT NOT NULL,
                PRIMARY KEY (owner_id, key)
            );
            """),
        Migration(id: 3, name: "templates and their versions", sql: """
            CREATE TABLE templates (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES partners (id),
                event TEXT NOT NULL,
                channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'viber', 'vk')),
                name TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX templates_by_partner ON templates (partner_id, event, channel);
            CREATE TABLE template_versions (
                template_id TEXT NOT NULL REFERENCES templates (id),
                number INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected')),
                content TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (template_id, number)
            );
            """),
        Migration(id: 4, name: "template registration and the audit log", sql: """
            ALTER TABLE templates ADD COLUMN registration TEXT NOT NULL DEFAULT 'not_needed';
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                template_id TEXT NOT NULL,
                message TEXT NOT NULL
            );
            CREATE INDEX audit_by_template ON audit_log (template_id);
            """),
        Migration(id: 5, name: "rejection reasons", sql: """
            ALTER TABLE template_versions ADD COLUMN reject_code TEXT;
            ALTER TABLE template_versions ADD COLUMN reject_reason TEXT;
            """),
        Migration(id: 6, name: "default templates", sql: """
            CREATE TABLE template_defaults (
                partner_id TEXT NOT NULL REFERENCES partners (id),
                event TEXT NOT NULL,
                channel TEXT NOT NULL,
                template_id TEXT NOT NULL REFERENCES templates (id),
                PRIMARY KEY (partner_id, event, channel)
            );
            """),
        Migration(id: 7, name: "events, notifications, the outbox and link hosts", sql: """
            ALTER TABLE templates ADD COLUMN provider_template_id TEXT;
            CREATE TABLE partner_hosts (
                partner_id TEXT NOT NULL REFERENCES partners (id),
                host TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (partner_id, host)
            );
            CREATE TABLE events (
                partner_id TEXT NOT NULL REFERENCES partners (id),
                id TEXT NOT NULL,
                type TEXT NOT NULL,
                order_id TEXT NOT NULL,
                sandbox INTEGER NOT NULL,
                request_hash BLOB NOT NULL,
                body TEXT NOT NULL,
                answer TEXT NOT NULL,
                received_at TEXT NOT NULL,
                PRIMARY KEY (partner_id, id)
            );
            CREATE TABLE notifications (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                order_id TEXT NOT NULL,
                sandbox INTEGER NOT NULL,
                status TEXT NOT NULL,
                channel TEXT,
                cascade TEXT NOT NULL,
                next_action TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX notifications_by_order ON notifications (partner_id, order_id);
            CREATE INDEX notifications_by_event ON notifications (partner_id, event_id);
            CREATE TABLE notification_messages (
                notification_id TEXT NOT NULL REFERENCES notifications (id),
                channel TEXT NOT NULL,
                recipient TEXT NOT NULL,
                template TEXT NOT NULL,
                subject TEXT,
                html TEXT,
                text TEXT NOT NULL,
                provider_template_id TEXT,
                provider_template_values TEXT,
                sender_name TEXT,
                reply_to TEXT,
                PRIMARY KEY (notification_id, channel)
            );
            CREATE TABLE outbox (
                notification_id TEXT PRIMARY KEY REFERENCES notifications (id),
                due_at TEXT NOT NULL,
                lease_until TEXT,
                lease_owner TEXT
            );
            CREATE INDEX outbox_by_due ON outbox (due_at);
            CREATE TABLE notification_attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                notification_id TEXT NOT NULL REFERENCES notifications (id),
                channel TEXT NOT NULL,
                number INTEGER NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                outcome TEXT NOT NULL,
                provider_message_id TEXT,
                provider_code TEXT,
                detail TEXT
            );
            CREATE INDEX attempts_by_notification ON notification_attempts (notification_id);
            CREATE INDEX attempts_by_provider_id ON notification_attempts (channel, provider_message_id);
            """),
        Migration(id: 8, name: "webhook endpoints and messages", sql: """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL REFERENCES partners (id),
                url TEXT NOT NULL,
                secrets TEXT NOT NULL,
                enabled INTEGER NOT NULL DEFAULT 1,
                disabled_reason TEXT,
                throttled_until TEXT,
                created_at TEXT NOT NULL
            );
            CREATE INDEX webhook_endpoints_by_partner ON webhook_endpoints (partner_id);
            CREATE TABLE webhook_messages (
                id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL,
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
                type TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL,
                next_attempt_at TEXT,
                status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'exhausted', 'endpoint_disabled')),
                created_at TEXT NOT NULL
            );
            CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
            CREATE INDEX webhook_messages_by_endpoint ON webhook_messages (partner_id, endpoint_id, created_at);
            """),
        Migration(id: 9, name: "suppressions, send counters and partner quotas", sql: """
            CREATE TABLE suppressions (
                id TEXT PRIMARY KEY,
                partner_id TEXT,
                channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'viber', 'vk')),
                address TEXT NOT NULL,
                reason TEXT NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'unsubscribe', 'manual')),
                scope TEXT NOT NULL CHECK (scope IN ('all', 'non_transactional')),
                source TEXT NOT NULL,
                detail TEXT,
                created_at TEXT NOT NULL
            );
            CREATE UNIQUE INDEX suppressions_unique ON suppressions (coalesce(partner_id, ''), channel, address, reason);
            CREATE INDEX suppressions_by_address ON suppressions (channel, address);
            CREATE INDEX suppressions_by_partner ON suppressions (partner_id, created_at);
            CREATE TABLE send_counters (
                key TEXT NOT NULL,
                period TEXT NOT NULL,
                period_start TEXT NOT NULL,
                sends INTEGER NOT NULL,
                PRIMARY KEY (key, period)
            );
            CREATE INDEX send_counters_by_start ON send_counters (period_start);
            CREATE TABLE partner_quotas (
                partner_id TEXT NOT NULL REFERENCES partners (id),
                channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'viber', 'vk')),
                per_day INTEGER NOT NULL CHECK (per_day >= 0),
                updated_at TEXT NOT NULL,
                PRIMARY KEY (partner_id, channel)
            );
            """),
        // Each accepted event wrote a page of every index at a place of its own: the keys and the
        // outbox are now ordered by their primary keys alone, and no query read notifications by
        // event.
        Migration(id: 10, name: "fewer pages written per event", sql: """
            DROP INDEX notifications_by_event;
            CREATE TABLE idempotency_keys_by_key (
                owner_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
                status INTEGER,
                content_type TEXT,
                body BLOB,
                created_at TEXT NOT NULL,
                PRIMARY KEY (owner_id, key)
            ) WITHOUT ROWID;
            INSERT INTO idempotency_keys_by_key (owner_id, key, request_hash, state, status, content_type, body, created_at)
                SELECT owner_id, key, request_hash, state, status, content_type, body, created_at FROM idempotency_keys;
            DROP TABLE idempotency_keys;
            ALTER TABLE idempotency_keys_by_key RENAME TO idempotency_keys;
            CREATE TABLE outbox_by_id (
                notification_id TEXT PRIMARY KEY REFERENCES notifications (id),
                due_at TEXT NOT NULL,
                lease_until TEXT,
                lease_owner TEXT
            ) WITHOUT ROWID;
            INSERT INTO outbox_by_id (notification_id, due_at, lease_until, lease_owner)
                SELECT notification_id, due_at, lease_until, lease_owner FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_by_id RENAME TO outbox;
            CREATE INDEX outbox_by_due ON outbox (due_at);
            """),
        // Keys come in no order, so each new one lands in a leaf of its own; as whole rows (the
        // stored answer included) eight filled a leaf, and a leaf split every few keys. The rows now
        // follow one another in the order they were made, and only the small index on the key
        // takes a leaf per key.
        Migration(id: 11, name: "idempotency keys in the order they come", sql: """
            CREATE TABLE idempotency_keys_in_order (
                owner_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
                status INTEGER,
                content_type TEXT,
                body BLOB,
                created_at TEXT NOT NULL,
                UNIQUE (owner_id, key)
            );
            INSERT INTO idempotency_keys_in_order (owner_id, key, request_hash, state, status, content_type, body, created_at)
                SELECT owner_id, key, request_hash, state, status, content_type, body, created_at FROM idempotency_keys ORDER BY created_at;
            DROP TABLE idempotency_keys;
            ALTER TABLE idempotency_keys_in_order RENAME TO idempotency_keys;
            """),
    ]

    /// Brings the database up to the last migration (or to `last`, for tests of a migration);
    /// returns how many ran.
    @discardableResult
    static func run(on database: SQLiteDatabase, now: String, through last: Int = .max) throws -> Int {
        try database.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
            """)
        let applied = Set(try database.query("SELECT id FROM schema_migrations").compactMap { $0["id"].integer })
        if let newest = applied.max(), newest > (all.last?.id ?? 0) {
            throw StoreError.newerSchema(database: database.path, version: Int(newest))
        }
        var ran = 0
        for migration in all where !applied.contains(Int64(migration.id)) && migration.id <= last {
            try database.transaction { tx in
                for statement in migration.sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try tx.query(String(statement))
                }
                try tx.query("INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)",
                             [.integer(Int64(migration.id)), .text(migration.name), .text(now)])
            }
            ran += 1
        }
        return ran
    }
}
