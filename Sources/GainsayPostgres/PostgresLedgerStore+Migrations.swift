import Foundation
import GainsayCore
import PostgresNIO

/// The schema, as versioned migrations run at connect under a session advisory lock, so that daemons
/// starting together migrate once. Never edit a migration that has shipped: add one.
///
/// The tables mirror the SQLite store's (Schema.swift in GainsayStore): records as serialized protobuf
/// (`bytea`), the columns queries filter on, the same constraints. Text columns compare bytewise
/// (`COLLATE "C"`), as SQLite's do. `seq` columns keep the order rows were first written in (SQLite's
/// rowid). The audit log is append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
extension PostgresLedgerStore {
  /// The migrations, in order: each a list of statements (the extended protocol runs one at a time).
  static let migrations: [(version: Int, name: String, statements: [String])] = [
    (
      1, "ledger",
      [
        """
        CREATE TABLE speaker (
          id text COLLATE "C" PRIMARY KEY,
          name text COLLATE "C" NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
          country text COLLATE "C" NOT NULL DEFAULT '',
          merged_into text COLLATE "C" NOT NULL DEFAULT '',
          record bytea NOT NULL
        )
        """,
        "CREATE INDEX speaker_by_name ON speaker (lower(name), id)",
        """
        CREATE TABLE speaker_name (
          key text COLLATE "C" PRIMARY KEY,
          name text COLLATE "C" NOT NULL,
          speaker_id text COLLATE "C" NOT NULL REFERENCES speaker(id),
          is_alias boolean NOT NULL,
          fold text COLLATE "C" NOT NULL
        )
        """,
        "CREATE INDEX speaker_name_by_speaker_in_order ON speaker_name (speaker_id, is_alias, name)",
        "CREATE INDEX speaker_name_by_fold ON speaker_name (fold)",
        // Search keeps speakers' names by name key in memory; it reloads them when this number moves.
        "CREATE TABLE speaker_names_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        "INSERT INTO speaker_names_version VALUES (1, 0)",
        """
        CREATE FUNCTION speaker_names_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE speaker_names_version SET version = version + 1; RETURN NULL; END $$
        """,
        """
        CREATE TRIGGER speaker_names_changed AFTER INSERT OR UPDATE OR DELETE ON speaker_name
        FOR EACH STATEMENT EXECUTE FUNCTION speaker_names_changed()
        """,
        """
        CREATE TABLE claim (
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          id text COLLATE "C" PRIMARY KEY,
          speaker_id text COLLATE "C" NOT NULL REFERENCES speaker(id),
          said_start text COLLATE "C" NOT NULL,
          said_end text COLLATE "C" NOT NULL,
          text_key text COLLATE "C" NOT NULL,
          text_hash bigint NOT NULL,
          state bigint NOT NULL CHECK (state IN (1, 2)),
          record bytea NOT NULL,
          CHECK (said_start <= said_end)
        )
        """,
        "CREATE INDEX claim_by_speaker ON claim (speaker_id, said_start)",
        "CREATE INDEX claim_by_date ON claim (said_start DESC, id)",
        "CREATE INDEX claim_by_text_hash ON claim (text_hash)",
        "CREATE INDEX claim_retracted ON claim (id) WHERE state = 2",
        """
        CREATE TABLE claim_topic (
          topic text COLLATE "C" NOT NULL,
          claim_id text COLLATE "C" NOT NULL REFERENCES claim(id),
          PRIMARY KEY (topic, claim_id)
        )
        """,
        "CREATE INDEX claim_topic_by_claim ON claim_topic (claim_id)",
        """
        CREATE TABLE claim_revision (
          claim_id text COLLATE "C" NOT NULL REFERENCES claim(id),
          revision bigint NOT NULL CHECK (revision >= 1),
          record bytea NOT NULL,
          PRIMARY KEY (claim_id, revision)
        )
        """,
        """
        CREATE TABLE source (
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          id text COLLATE "C" PRIMARY KEY,
          outlet text COLLATE "C" NOT NULL CHECK (char_length(outlet) >= 1),
          kind bigint NOT NULL,
          record bytea NOT NULL,
          archived_text text COLLATE "C" NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX source_by_outlet ON source (lower(outlet))",
        """
        CREATE TABLE link (
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          id text COLLATE "C" PRIMARY KEY,
          claim_id text COLLATE "C" NOT NULL REFERENCES claim(id),
          source_id text COLLATE "C" REFERENCES source(id),
          target_claim_id text COLLATE "C" REFERENCES claim(id),
          relation bigint NOT NULL CHECK (relation BETWEEN 1 AND 4),
          quote text COLLATE "C" NOT NULL DEFAULT '',
          quote_start bigint NOT NULL DEFAULT 0,
          state bigint NOT NULL CHECK (state IN (1, 2)),
          record bytea NOT NULL,
          CHECK ((source_id IS NULL) <> (target_claim_id IS NULL)),
          CHECK (target_claim_id IS NULL OR target_claim_id <> claim_id)
        )
        """,
        """
        CREATE UNIQUE INDEX link_unique_active ON link (
          claim_id, coalesce(source_id, ''), coalesce(target_claim_id, ''), relation, md5(quote), quote_start)
        WHERE state = 1
        """,
        "CREATE INDEX link_by_claim ON link (claim_id)",
        "CREATE INDEX link_by_source ON link (source_id)",
        "CREATE INDEX link_by_target ON link (target_claim_id)",
        """
        CREATE TABLE verdict (
          seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
          id text COLLATE "C" PRIMARY KEY,
          claim_id text COLLATE "C" NOT NULL REFERENCES claim(id),
          rating text COLLATE "C" NOT NULL CHECK (char_length(rating) >= 1),
          create_time bigint NOT NULL,
          state bigint NOT NULL DEFAULT 1 CHECK (state IN (1, 2)),
          record bytea NOT NULL
        )
        """,
        "CREATE INDEX verdict_by_claim ON verdict (claim_id, create_time)",
        """
        CREATE TABLE audit_event (
          sequence bigint PRIMARY KEY CHECK (sequence >= 1),
          resource_id text COLLATE "C" NOT NULL,
          actor_uid bigint NOT NULL,
          time_ns bigint NOT NULL,
          record bytea NOT NULL
        )
        """,
        "CREATE INDEX audit_event_by_resource ON audit_event (resource_id, sequence)",
        """
        CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
        """,
        """
        CREATE TRIGGER audit_event_is_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()
        """,
        """
        CREATE TRIGGER audit_event_is_append_only_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only()
        """,
        // Search: each resource's entry, its lexemes analysed by the `gainsay` tokenizer (title at weight A,
        // body at D), and the start of its title and body for snippets. `seq` moves on each rewrite, as the
        // rowid of a rewritten FTS5 row does: a search ranks its most recent matches.
        "CREATE SEQUENCE search_entry_seq",
        """
        CREATE TABLE search_entry (
          resource_type bigint NOT NULL,
          resource_id text COLLATE "C" NOT NULL,
          seq bigint NOT NULL DEFAULT nextval('search_entry_seq'),
          title text COLLATE "C" NOT NULL,
          body text COLLATE "C" NOT NULL,
          lexemes tsvector NOT NULL,
          PRIMARY KEY (resource_type, resource_id)
        )
        """,
        "CREATE INDEX search_entry_lexemes ON search_entry USING gin (lexemes)",
        "CREATE INDEX search_entry_by_seq ON search_entry (seq)",
        // The folded words written (`=` forms), for "did you mean".
        "CREATE TABLE search_word (word text COLLATE \"C\" PRIMARY KEY)",
      ]
    ),
    (
      2, "repeats searched after CreateClaim answers, import chunks",
      [
        // The claims written so far had their repeats searched before their CreateClaim answered.
        "CREATE TABLE repeat_search (id integer PRIMARY KEY CHECK (id = 1), searched_through bigint NOT NULL)",
        "INSERT INTO repeat_search SELECT 1, coalesce(max(sequence), 0) FROM audit_event",
        // The records an import chunk's one event created, so that each record's history finds it.
        """
        CREATE TABLE audit_mention (
          resource_id text COLLATE "C" NOT NULL,
          sequence bigint NOT NULL REFERENCES audit_event(sequence),
          PRIMARY KEY (resource_id, sequence)
        )
        """,
        """
        CREATE TRIGGER audit_mention_is_append_only BEFORE UPDATE OR DELETE ON audit_mention
        FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()
        """,
        """
        CREATE TRIGGER audit_mention_is_append_only_truncate BEFORE TRUNCATE ON audit_mention
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only()
        """,
      ]
    ),
  ]

  /// Brings the schema up to date, under the migration lock.
  func migrate(progress: @escaping @Sendable (String) -> Void) async throws {
    let url = url
    try await lease { db in
      try await db.run("SELECT pg_advisory_lock(\(Self.migrationLock))")
      do {
        try await db.run(
          """
          CREATE TABLE IF NOT EXISTS gainsay_schema (
            version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
          """)
        var applied = Set<Int>()
        for row in try await db.rows("SELECT version FROM gainsay_schema") { applied.insert(try row.decode(Int.self)) }
        guard applied.allSatisfy({ version in Self.migrations.contains { $0.version == version } }) else {
          throw LedgerError(
            .failedPrecondition,
            "the ledger database at \(url) has a newer schema (versions \(applied.sorted())) than this gainsayd knows; "
              + "upgrade gainsayd")
        }
        for migration in Self.migrations where !applied.contains(migration.version) {
          progress("migrating the ledger database to version \(migration.version): \(migration.name)")
          try await Self.transaction(db, "BEGIN") { db in
            for statement in migration.statements { try await db.run(PostgresQuery(unsafeSQL: statement)) }
            try await db.run(
              "INSERT INTO gainsay_schema(version, name) VALUES (\(migration.version), \(migration.name))")
          }
        }
      } catch {
        _ = try? await db.run("SELECT pg_advisory_unlock(\(Self.migrationLock))")
        throw error
      }
      try await db.run("SELECT pg_advisory_unlock(\(Self.migrationLock))")
    }
  }
}
