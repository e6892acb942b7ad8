import Foundation
import GRDB
import GainsayCore

/// The ledger's schema, as append-only migrations: never edit a migration that has shipped; add one.
///
/// Each resource table keeps the canonical record as a serialized protobuf (`record`) beside the columns
/// that queries filter on and that constraints check. The audit log cannot be updated or deleted: triggers
/// refuse it.
enum Schema {
  /// The migrations; `progress` hears how a long one (the search index's rebuild) is getting on.
  static func migrator(progress: @escaping @Sendable (String) -> Void = { _ in }) -> DatabaseMigrator {
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
    migrator.registerMigration("v3: claims found by a hash of their text, speaker names in order, links by claim") {
      db in
      // Finding a claim again by speaker and normalised text (imports do it for every row) needs an
      // index; over the whole text it grew as large as the claims and took a random page per insert.
      // A 64-bit hash of the two is a tenth of the size; rows it finds are compared in full.
      try db.execute(sql: "ALTER TABLE claim ADD COLUMN text_hash INTEGER NOT NULL DEFAULT 0")
      db.add(function: textHashFunction)
      try db.execute(sql: "UPDATE claim SET text_hash = gainsay_text_hash(speaker_id, text_key)")
      db.remove(function: textHashFunction)
      try db.execute(sql: "CREATE INDEX claim_by_text_hash ON claim(text_hash)")
      try db.execute(sql: "DROP INDEX claim_by_text_key")
      // Every claim write reads its speaker's names in this order for the search entry: an index in that
      // order spares a sort per claim.
      try db.execute(sql: "CREATE INDEX speaker_name_by_speaker_in_order ON speaker_name(speaker_id, is_alias, name)")
      try db.execute(sql: "DROP INDEX speaker_name_by_speaker")
      // A claim's links, withdrawn ones included (the unique index covers only active links).
      try db.execute(sql: "CREATE INDEX link_by_claim ON link(claim_id)")
    }
    migrator.registerMigration("v4: withdrawn verdicts, merged speakers, folded speaker names") { db in
      // A verdict given in error can be withdrawn; a claim's rating is its latest active verdict's.
      try db.execute(sql: "ALTER TABLE verdict ADD COLUMN state INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2))")
      // A speaker merged into another stays as a redirect; lists leave it out.
      try db.execute(sql: "ALTER TABLE speaker ADD COLUMN merged_into TEXT NOT NULL DEFAULT ''")
      // Names found again through case, spacing and diacritics ("ramzan  kadyrov", "Jose" for "José").
      try db.execute(sql: "ALTER TABLE speaker_name ADD COLUMN fold TEXT NOT NULL DEFAULT ''")
      db.add(function: foldFunction)
      try db.execute(sql: "UPDATE speaker_name SET fold = gainsay_fold(name)")
      db.remove(function: foldFunction)
      try db.execute(sql: "CREATE INDEX speaker_name_by_fold ON speaker_name(fold)")
    }
    migrator.registerMigration("v5: the same passage quoted at two places is two links") { db in
      // Links made before quotes had positions keep 0, as their records do.
      try db.execute(sql: "ALTER TABLE link ADD COLUMN quote_start INTEGER NOT NULL DEFAULT 0")
      try db.execute(sql: "DROP INDEX link_unique_active")
      try db.execute(
        sql: """
          CREATE UNIQUE INDEX link_unique_active ON link(
            claim_id, ifnull(source_id, ''), ifnull(target_claim_id, ''), relation, quote, quote_start)
          WHERE state = 1
          """)
    }
    migrator.registerMigration("v6: search analysed by the gainsay tokenizer") { db in
      try rebuildSearchIndex(db, progress: progress)
      // Search keeps speakers' names by name key in memory; it reloads them when this number moves.
      try db.execute(
        sql: """
          CREATE TABLE speaker_names_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
          ) STRICT;
          INSERT INTO speaker_names_version VALUES (1, 0);
          CREATE TRIGGER speaker_name_inserted AFTER INSERT ON speaker_name
            BEGIN UPDATE speaker_names_version SET version = version + 1; END;
          CREATE TRIGGER speaker_name_deleted AFTER DELETE ON speaker_name
            BEGIN UPDATE speaker_names_version SET version = version + 1; END;
          CREATE TRIGGER speaker_name_updated AFTER UPDATE ON speaker_name
            BEGIN UPDATE speaker_names_version SET version = version + 1; END;
          """)
    }
    migrator.registerMigration("v7: repeats searched after CreateClaim answers, import chunks") { db in
      // The claims written so far had their repeats searched before their CreateClaim answered.
      try db.execute(
        sql: """
          CREATE TABLE repeat_search (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            searched_through INTEGER NOT NULL
          ) STRICT;
          INSERT INTO repeat_search SELECT 1, ifnull(max(sequence), 0) FROM audit_event;
          """)
      // The records an import chunk's one event created, so that each record's history finds it.
      try db.execute(
        sql: """
          CREATE TABLE audit_mention (
            resource_id TEXT NOT NULL,
            sequence INTEGER NOT NULL REFERENCES audit_event(sequence),
            PRIMARY KEY (resource_id, sequence)
          ) STRICT, WITHOUT ROWID;
          CREATE TRIGGER audit_mention_is_append_only_update BEFORE UPDATE ON audit_mention
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          CREATE TRIGGER audit_mention_is_append_only_delete BEFORE DELETE ON audit_mention
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
          """)
    }
    return migrator
  }

  /// Rebuilds the search index with the `gainsay` tokenizer (Snowball stems, names, negations kept;
  /// docs/SEARCH.md): the entries are copied, keeping their rowids (which `search_entry` holds), in
  /// batches, with the progress reported every ``rebuildBatch`` entries (nothing for an empty ledger). The
  /// migration's transaction makes it all or nothing: a crash midway leaves the old index.
  static func rebuildSearchIndex(_ db: Database, progress report: (String) -> Void) throws {
    let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM search_entry") ?? 0
    // A new ledger has nothing to rebuild, and nothing to say about it.
    func progress(_ message: String) { if total > 0 { report(message) } }
    progress("rebuilding the search index with the gainsay tokenizer: \(total) entries")
    try db.execute(
      sql: """
        DROP TABLE search_vocabulary;
        ALTER TABLE search_index RENAME TO search_index_unicode61;
        CREATE VIRTUAL TABLE search_index USING fts5(
          resource_type UNINDEXED,
          resource_id UNINDEXED,
          title,
          body,
          tokenize = 'gainsay'
        );
        """)
    let copy = try db.makeStatement(
      sql: """
        INSERT INTO search_index(rowid, resource_type, resource_id, title, body)
        SELECT rowid, resource_type, resource_id, title, body FROM search_index_unicode61
        WHERE rowid > ? ORDER BY rowid LIMIT ?
        """)
    var last: Int64 = Int64.min
    var copied = 0
    let started = ContinuousClock.now
    while true {
      try copy.execute(arguments: [last, rebuildBatch])
      let batch = db.changesCount
      guard batch > 0 else { break }
      copied += batch
      last = db.lastInsertedRowID
      progress("search index: \(copied) of \(total) entries (\(total == 0 ? 100 : copied * 100 / total)%)")
    }
    try db.execute(
      sql: """
        DROP TABLE search_index_unicode61;
        INSERT INTO search_index(search_index) VALUES ('optimize');
        CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(search_index, 'col');
        """)
    let elapsed = started.duration(to: .now).components
    let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    progress("search index rebuilt: \(copied) entries in \(String(format: "%.1f", seconds)) s")
  }

  /// Entries copied per statement while the search index is rebuilt.
  static let rebuildBatch = 10_000

  private static let foldFunction = DatabaseFunction("gainsay_fold", argumentCount: 1, pure: true) { values in
    String.fromDatabaseValue(values[0]).map(SpeakerNameMatch.fold)
  }

  private static let textHashFunction = DatabaseFunction("gainsay_text_hash", argumentCount: 2, pure: true) {
    values in
    guard let speakerID = String.fromDatabaseValue(values[0]), let textKey = String.fromDatabaseValue(values[1])
    else { return nil }
    return ClaimTextHash.of(speakerID: speakerID, textKey: textKey)
  }
}
