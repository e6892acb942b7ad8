import GRDB
import GainsayRanking

/// The C extensions of the ledger's search, registered on every connection before it is used:
/// `gainsay_rank` (ranking) and the `gainsay` tokenizer (stems; see GainsayRanking.h).
enum SearchExtensions {
  /// Registers both on `db`; throws the SQLite error when either cannot be registered.
  static func register(_ db: Database) throws {
    let ranked = gainsay_register_rank(db.sqliteConnection)
    guard ranked == 0 else {
      throw DatabaseError(resultCode: ResultCode(rawValue: ranked), message: "cannot register gainsay_rank")
    }
    let tokenizer = gainsay_register_tokenizer(db.sqliteConnection)
    guard tokenizer == 0 else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: tokenizer), message: "cannot register the gainsay tokenizer")
    }
  }
}
