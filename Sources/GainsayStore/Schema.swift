import GRDB

/// The ledger's schema, as append-only migrations: never edit a migration that has shipped; add one.
///
/// Each resource table keeps the canonical record as a serialized protobuf (`record`) beside the columns
/// that queries filter on and that constraints check. The audit log cannot be updated or deleted: triggers
/// refuse it.
enum Schema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1: ledger") { db in
      try db.execute(
        sql: """
          CREATE TABLE speaker (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            country TEXT NOT NULL DEFAULT '',
            record BLOB NOT NULL
          ) STRICT;

          -- Every name and alias, unique across speakers. `key` is the name lower-cased with Unicode
          -- rules (SQLite's NOCASE folds ASCII only, and names are often Cyrillic, Arabic, …).
          CREATE TABLE speaker_name (
            key TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            speaker_id TEXT NOT NULL REFERENCES speaker(id),
            is_alias INTEGER NOT NULL CHECK (is_alias IN (0, 1))
          ) STRICT;
          CREATE INDEX speaker_name_by_speaker ON speaker_name(speaker_id);

          CREATE TABLE claim (
            id TEXT PRIMARY KEY NOT NULL,
            speaker_id TEXT NOT NULL REFERENCES speaker(id),
            said_start TEXT NOT NULL,
            said_end TEXT NOT NULL,
            -- The text normalised for finding repeats (case, diacritics and punctuation folded).
            text_key TEXT NOT NULL,
            state INTEGER NOT NULL CHECK (state IN (1, 2)),
            record BLOB NOT NULL,
            CHECK (said_start <= said_end)
          ) STRICT;
          CREATE INDEX claim_by_speaker ON claim(speaker_id, said_start);
          CREATE INDEX claim_by_date ON claim(said_start);
          CREATE INDEX claim_by_text_key ON claim(speaker_id, text_key);

          CREATE TABLE claim_topic (
            topic TEXT NOT NULL,
            claim_id TEXT NOT NULL REFERENCES claim(id),
            PRIMARY KEY (topic, claim_id)
          ) STRICT, WITHOUT ROWID;
          CREATE INDEX claim_topic_by_claim ON claim_topic(claim_id);

          -- Every version of every claim, the first included.
          CREATE TABLE claim_revision (
            claim_id TEXT NOT NULL REFERENCES claim(id),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            record BLOB NOT NULL,
            PRIMARY KEY (claim_id, revision)
          ) STRICT;

          CREATE TABLE source (
            id TEXT PRIMARY KEY NOT NULL,
            outlet TEXT NOT NULL CHECK (length(outlet) >= 1),
            kind INTEGER NOT NULL,
            record BLOB NOT NULL,
            archived_text TEXT NOT NULL DEFAULT ''
          ) STRICT;
          CREATE INDEX source_by_outlet ON source(outlet COLLATE NOCASE);

          CREATE TABLE link (
            id TEXT PRIMARY KEY NOT NULL,
            claim_id TEXT NOT NULL REFERENCES claim(id),
            source_id TEXT REFERENCES source(id),
            target_claim_id TEXT REFERENCES claim(id),
            relation INTEGER NOT NULL CHECK (relation BETWEEN 1 AND 4),
            quote TEXT NOT NULL DEFAULT '',
            state INTEGER NOT NULL CHECK (state IN (1, 2)),
            record BLOB NOT NULL,
            CHECK ((source_id IS NULL) <> (target_claim_id IS NULL)),
            CHECK (target_claim_id IS NULL OR target_claim_id <> claim_id)
          ) STRICT;
          CREATE UNIQUE INDEX link_unique_active
            ON link(claim_id, ifnull(source_id, ''), ifnull(target_claim_id, ''), relation, quote) WHERE state = 1;
          CREATE INDEX link_by_source ON link(source_id);
          CREATE INDEX link_by_target ON link(target_claim_id);

          CREATE TABLE verdict (
            id TEXT PRIMARY KEY NOT NULL,
            claim_id TEXT NOT NULL REFERENCES claim(id),
            rating TEXT NOT NULL CHECK (length(rating) >= 1),
            create_time INTEGER NOT NULL,
            record BLOB NOT NULL
          ) STRICT;
          CREATE INDEX verdict_by_claim ON verdict(claim_id, create_time);

          CREATE TABLE audit_event (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            resource_id TEXT NOT NULL,
            actor_uid INTEGER NOT NULL,
            record BLOB NOT NULL
          );
          CREATE INDEX audit_event_by_resource ON audit_event(resource_id, sequence);
          CREATE TRIGGER audit_event_is_append_only_update BEFORE UPDATE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          CREATE TRIGGER audit_event_is_append_only_delete BEFORE DELETE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

          -- Full-text search over claims (text, context, speaker), speakers (names) and sources
          -- (title, outlet, authors, archived text).
          CREATE VIRTUAL TABLE search_index USING fts5(
            resource_type UNINDEXED,
            resource_id UNINDEXED,
            title,
            body,
            tokenize = 'unicode61 remove_diacritics 2'
          );
          -- Which search_index row holds each resource: FTS5 finds rows fast only by rowid.
          CREATE TABLE search_entry (
            resource_type INTEGER NOT NULL,
            resource_id TEXT NOT NULL,
            entry INTEGER NOT NULL,
            PRIMARY KEY (resource_type, resource_id)
          ) STRICT, WITHOUT ROWID;
          """)
    }
    migrator.registerMigration("v2: search vocabulary, retracted claims") { db in
      // How many documents hold each term, per column: repeat detection looks up a claim's rarest words.
      try db.execute(sql: "CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(search_index, 'col')")
      // Searches leave out retracted claims: a small index of them keeps that cheap.
      try db.execute(sql: "CREATE INDEX claim_retracted ON claim(id) WHERE state = 2")
    }
    return migrator
  }
}
