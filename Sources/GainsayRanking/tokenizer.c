// The `gainsay` FTS5 tokenizer: unicode61, then GainsayStemming's folds, stems and name keys. See GainsayRanking.h.
#include "GainsayRanking.h"
#include "GainsayStemming.h"
#include "fts5_access.h"

#include <string.h>

// Words with more apostrophe-separated parts are kept whole.
#define GAINSAY_PARTS_MAX 16
// Marks a folded (unstemmed) form: unicode61 never makes a token holding "=".
#define GAINSAY_FORM_MARK '='
// Marks a name key: unicode61 never makes a token holding "~".
#define GAINSAY_KEY_MARK '~'
// Room for a stem (Snowball never lengthens a word much) and for a marked name key.
#define GAINSAY_STEM_CAP (2 * GAINSAY_WORD_MAX + 16)
#define GAINSAY_KEY_CAP (4 * GAINSAY_WORD_MAX + 16)

typedef struct GainsayTokenizer {
  fts5_tokenizer inner;
  Fts5Tokenizer *innerTokenizer;
} GainsayTokenizer;

/// What a tokenization emits at each position.
typedef enum { EMIT_STEM_AND_FORM, EMIT_STEM, EMIT_FORM, EMIT_KEY } Emit;

typedef struct Tokenization {
  void *context;
  int (*xToken)(void *, int, const char *, int, int, int);
  const char *text;
  int base;
  Emit emit;
  // A document's name key ("~" and the key), colocated with the next word emitted; keyLength 0 for none.
  char key[GAINSAY_KEY_CAP];
  int keyLength;
} Tokenization;

typedef struct Part {
  int start, length;
} Part;

/// The size of the apostrophe (', U+2019 or U+02BC) at s[i], or 0.
static int apostrophe_at(const unsigned char *s, int i, int n) {
  if (s[i] == '\'') return 1;
  if (i + 1 < n && s[i] == 0xCA && s[i + 1] == 0xBC) return 2;
  if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x80 && s[i + 2] == 0x99) return 3;
  return 0;
}

/// Whether the text of a token starts with an upper-case letter (Latin, Latin-1 and Extended-A, Greek,
/// Cyrillic), after any apostrophes.
static int starts_upper_case(const unsigned char *s, int n) {
  int i = 0;
  for (int size; i < n && (size = apostrophe_at(s, i, n)) > 0;) i += size;
  if (i >= n) return 0;
  unsigned c = s[i];
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  if ((c & 0xE0) != 0xC0 || i + 1 >= n) return 0;
  c = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
  if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
  if (c >= 0x100 && c <= 0x137) return c % 2 == 0;
  if (c >= 0x139 && c <= 0x148) return c % 2 == 1;
  if (c >= 0x14A && c <= 0x177) return c % 2 == 0;
  if (c >= 0x178 && c <= 0x17E) return c == 0x178 || c % 2 == 1;
  if (c >= 0x386 && c <= 0x3AB) return c != 0x387 && c != 0x3A2;
  return c >= 0x400 && c <= 0x42F;
}

/// The marked name key of a token folded by unicode61 (a possessive "'s" dropped) into t->key; 0 if it has none.
static int make_key(Tokenization *t, const unsigned char *token, int n) {
  t->keyLength = 0;
  if (n > GAINSAY_WORD_MAX) return 0;
  if (n >= 2 && token[n - 1] == 's') {
    for (int size = 1; size <= 3; size++) {
      if (n - 1 - size >= 0 && apostrophe_at(token, n - 1 - size, n) == size) {
        n -= 1 + size;
        break;
      }
    }
  }
  t->key[0] = GAINSAY_KEY_MARK;
  int length = gainsay_name_key((const char *)token, n, t->key + 1, GAINSAY_KEY_CAP - 1);
  if (length > 0) t->keyLength = length + 1;
  return length > 0;
}

/// Emits one word (already folded by unicode61) spanning [start, end) of the text.
static int emit_word(Tokenization *t, const unsigned char *word, int n, int start, int end) {
  if (n > GAINSAY_WORD_MAX) {
    return t->emit == EMIT_FORM ? SQLITE_OK : t->xToken(t->context, 0, (const char *)word, n, start, end);
  }
  char form[GAINSAY_WORD_MAX + 1];
  form[0] = GAINSAY_FORM_MARK;
  int length = gainsay_fold((const char *)word, n, form + 1, GAINSAY_WORD_MAX);
  if (length < 0) return SQLITE_NOMEM;
  if (length == 0) return SQLITE_OK;
  if (t->emit == EMIT_FORM) {
    return t->xToken(t->context, 0, form, length + 1, start, end);
  }
  char stem[GAINSAY_STEM_CAP];
  int stemLength = gainsay_stem(form + 1, length, stem, (int)sizeof stem);
  if (stemLength < 0) return SQLITE_NOMEM;
  int rc = t->xToken(t->context, 0, stem, stemLength, start, end);
  if (rc != SQLITE_OK || t->emit == EMIT_STEM) return rc;
  rc = t->xToken(t->context, FTS5_TOKEN_COLOCATED, form, length + 1, start, end);
  if (rc != SQLITE_OK || t->keyLength == 0) return rc;
  rc = t->xToken(t->context, FTS5_TOKEN_COLOCATED, t->key, t->keyLength, start, end);
  t->keyLength = 0;
  return rc;
}

static int equals(const unsigned char *word, int n, const char *literal) {
  return (int)strlen(literal) == n && memcmp(word, literal, (size_t)n) == 0;
}

/// Emits a word; "cannot" as "can" and "not".
static int emit_part(Tokenization *t, const unsigned char *word, int n, int start, int end) {
  if (equals(word, n, "cannot") && end - start == 6) {
    int rc = emit_word(t, (const unsigned char *)"can", 3, start, start + 3);
    return rc != SQLITE_OK ? rc : emit_word(t, (const unsigned char *)"not", 3, start + 3, end);
  }
  return emit_word(t, word, n, start, end);
}

/// Splits `s` at apostrophes into at most GAINSAY_PARTS_MAX parts (some maybe empty); their count, or -1.
static int split(const unsigned char *s, int n, Part *parts) {
  int count = 0, start = 0;
  for (int i = 0; i < n;) {
    int size = apostrophe_at(s, i, n);
    if (size > 0) {
      if (count == GAINSAY_PARTS_MAX) return -1;
      parts[count++] = (Part){start, i - start};
      start = i + size;
      i += size;
    } else {
      i++;
    }
  }
  if (count == GAINSAY_PARTS_MAX) return -1;
  parts[count++] = (Part){start, n - start};
  return count;
}

/// Called by unicode61 for each of its tokens (apostrophes included, as token characters).
static int on_token(void *context, int flags, const char *token, int n, int start, int end) {
  (void)flags;
  Tokenization *t = context;
  const unsigned char *folded = (const unsigned char *)token;
  const unsigned char *original = (const unsigned char *)t->text + start;
  if (t->emit == EMIT_KEY) {
    // A query for a name: the key of the whole token, apostrophes and all.
    if (!make_key(t, folded, n)) return SQLITE_OK;
    int length = t->keyLength;
    t->keyLength = 0;
    return t->xToken(t->context, 0, t->key, length, t->base + start, t->base + end);
  }
  t->keyLength = 0;
  if (t->emit == EMIT_STEM_AND_FORM && starts_upper_case(original, end - start)) make_key(t, folded, n);
  Part foldedParts[GAINSAY_PARTS_MAX], originalParts[GAINSAY_PARTS_MAX];
  int count = split(folded, n, foldedParts);
  // unicode61 keeps apostrophes as they are, so the parts of the token and of its text correspond.
  if (count < 0 || count != split(original, end - start, originalParts)) {
    return emit_part(t, folded, n, t->base + start, t->base + end);
  }
  int kept = 0;
  for (int i = 0; i < count; i++) {
    if (foldedParts[i].length == 0) continue;
    foldedParts[kept] = foldedParts[i];
    originalParts[kept] = originalParts[i];
    kept++;
  }
  int offset = t->base + start;
  if (kept >= 2 && equals(folded + foldedParts[kept - 1].start, foldedParts[kept - 1].length, "s")) {
    // A possessive: the "'s" joins its word.
    kept--;
    originalParts[kept - 1].length = originalParts[kept].start + originalParts[kept].length -
                                     originalParts[kept - 1].start;
  }
  int negation = 0;
  if (kept >= 2 && equals(folded + foldedParts[kept - 1].start, foldedParts[kept - 1].length, "t")) {
    Part verb = foldedParts[kept - 2], verbText = originalParts[kept - 2];
    unsigned char last = original[verbText.start + verbText.length - 1];
    negation = verb.length >= 2 && folded[verb.start + verb.length - 1] == 'n' && (last == 'n' || last == 'N');
  }
  int words = negation ? kept - 2 : kept;
  for (int i = 0; i < words; i++) {
    int rc = emit_part(t, folded + foldedParts[i].start, foldedParts[i].length, offset + originalParts[i].start,
                       offset + originalParts[i].start + originalParts[i].length);
    if (rc != SQLITE_OK) return rc;
  }
  if (!negation) return SQLITE_OK;
  Part verb = foldedParts[kept - 2], verbText = originalParts[kept - 2], t_ = originalParts[kept - 1];
  const unsigned char *head = folded + verb.start;
  int headLength = verb.length - 1;
  if (equals(head, headLength, "ca")) head = (const unsigned char *)"can", headLength = 3;
  else if (equals(head, headLength, "wo")) head = (const unsigned char *)"will", headLength = 4;
  else if (equals(head, headLength, "sha")) head = (const unsigned char *)"shall", headLength = 5;
  int notStart = offset + verbText.start + verbText.length - 1;
  int rc = emit_word(t, head, headLength, offset + verbText.start, notStart);
  if (rc != SQLITE_OK) return rc;
  return emit_word(t, (const unsigned char *)"not", 3, notStart, offset + t_.start + t_.length);
}

static int gainsay_tokenize(
    Fts5Tokenizer *tokenizer, void *context, int flags, const char *text, int n,
    int (*xToken)(void *, int, const char *, int, int, int)) {
  GainsayTokenizer *self = (GainsayTokenizer *)tokenizer;
  Tokenization t = {context, xToken, text, 0, EMIT_STEM_AND_FORM, {0}, 0};
  if (flags & FTS5_TOKENIZE_QUERY) {
    t.emit = (flags & FTS5_TOKENIZE_PREFIX) ? EMIT_FORM : EMIT_STEM;
    if (n > 0 && (text[0] == GAINSAY_FORM_MARK || text[0] == GAINSAY_KEY_MARK)) {
      t.emit = text[0] == GAINSAY_KEY_MARK ? EMIT_KEY : EMIT_FORM;
      t.text = text + 1;
      t.base = 1;
      text++;
      n--;
    }
  }
  return self->inner.xTokenize(self->innerTokenizer, &t, flags, text, n, on_token);
}

static void gainsay_delete(Fts5Tokenizer *tokenizer) {
  GainsayTokenizer *self = (GainsayTokenizer *)tokenizer;
  if (self == 0) return;
  if (self->innerTokenizer != 0) self->inner.xDelete(self->innerTokenizer);
  sqlite3_free(self);
}

static int gainsay_create(void *context, const char **arguments, int count, Fts5Tokenizer **tokenizer) {
  fts5_api *fts5 = context;
  *tokenizer = 0;
  if (count != 0) return SQLITE_ERROR;  // no options yet
  (void)arguments;
  GainsayTokenizer *self = sqlite3_malloc(sizeof *self);
  if (self == 0) return SQLITE_NOMEM;
  memset(self, 0, sizeof *self);
  void *unicode61 = 0;
  int rc = fts5->xFindTokenizer(fts5, "unicode61", &unicode61, &self->inner);
  const char *options[] = {"remove_diacritics", "2", "tokenchars", "'\xE2\x80\x99\xCA\xBC"};
  if (rc == SQLITE_OK) rc = self->inner.xCreate(unicode61, options, 4, &self->innerTokenizer);
  if (rc != SQLITE_OK) {
    gainsay_delete((Fts5Tokenizer *)self);
    return rc;
  }
  *tokenizer = (Fts5Tokenizer *)self;
  return SQLITE_OK;
}

int gainsay_register_tokenizer(sqlite3 *db) {
  fts5_api *fts5 = 0;
  int rc = gainsay_fts5_api(db, &fts5);
  if (rc != SQLITE_OK) return rc;
  fts5_tokenizer methods = {gainsay_create, gainsay_delete, gainsay_tokenize};
  return fts5->xCreateTokenizer(fts5, "gainsay", fts5, &methods, 0);
}
