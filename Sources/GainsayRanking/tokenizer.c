// The `gainsay` FTS5 tokenizer: unicode61, then Russian and English Snowball stems. See GainsayRanking.h.
#include "GainsayRanking.h"
#include "fts5_access.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

// Longer words are kept as unicode61 made them (no stem, no further folding).
#define GAINSAY_WORD_MAX 256
// Words with more apostrophe-separated parts are kept whole.
#define GAINSAY_PARTS_MAX 16
// Marks a folded (unstemmed) form: unicode61 never makes a token holding "=".
#define GAINSAY_FORM_MARK '='

typedef struct GainsayTokenizer {
  fts5_tokenizer inner;
  Fts5Tokenizer *innerTokenizer;
  struct sb_stemmer *english;
  struct sb_stemmer *russian;
} GainsayTokenizer;

/// What a tokenization emits at each position.
typedef enum { EMIT_STEM_AND_FORM, EMIT_STEM, EMIT_FORM } Emit;

typedef struct Tokenization {
  GainsayTokenizer *tokenizer;
  void *context;
  int (*xToken)(void *, int, const char *, int, int, int);
  const char *text;
  int base;
  Emit emit;
} Tokenization;

typedef struct Part {
  int start, length;
} Part;

typedef enum { SCRIPT_OTHER, SCRIPT_LATIN, SCRIPT_CYRILLIC } Script;

static int decode(const unsigned char *s, int n, unsigned *codepoint) {
  if (s[0] < 0x80 || n < 2) {
    *codepoint = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0) {
    *codepoint = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  if ((s[0] & 0xF0) == 0xE0 && n >= 3) {
    *codepoint = ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return 3;
  }
  if ((s[0] & 0xF8) == 0xF0 && n >= 4) {
    *codepoint = ((unsigned)(s[0] & 0x07) << 18) | ((unsigned)(s[1] & 0x3F) << 12) |
                 ((unsigned)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
  }
  *codepoint = s[0];
  return 1;
}

static int encode(unsigned codepoint, unsigned char *out) {
  if (codepoint < 0x80) {
    out[0] = (unsigned char)codepoint;
    return 1;
  }
  if (codepoint < 0x800) {
    out[0] = (unsigned char)(0xC0 | (codepoint >> 6));
    out[1] = (unsigned char)(0x80 | (codepoint & 0x3F));
    return 2;
  }
  if (codepoint < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (codepoint >> 12));
    out[1] = (unsigned char)(0x80 | ((codepoint >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (codepoint & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (codepoint >> 18));
  out[1] = (unsigned char)(0x80 | ((codepoint >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((codepoint >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (codepoint & 0x3F));
  return 4;
}

static int is_apostrophe(unsigned codepoint) {
  return codepoint == '\'' || codepoint == 0x2019 || codepoint == 0x02BC;
}

/// What unicode61 leaves unfolded: ё, Greek accents and final sigma; combining marks are dropped.
static unsigned fold(unsigned c) {
  if (c == 0x0451) return 0x0435;  // ё → е (unicode61 has already lower-cased Ё)
  if (c >= 0x0300 && c <= 0x036F) return 0;
  switch (c) {
  case 0x03AC: return 0x03B1;
  case 0x03AD: return 0x03B5;
  case 0x03AE: return 0x03B7;
  case 0x03AF: case 0x0390: case 0x03CA: return 0x03B9;
  case 0x03CC: return 0x03BF;
  case 0x03CD: case 0x03B0: case 0x03CB: return 0x03C5;
  case 0x03CE: return 0x03C9;
  case 0x03C2: return 0x03C3;
  default: return c;
  }
}

/// `word` folded into `out` (at least GAINSAY_WORD_MAX + 4 bytes); its length.
static int fold_word(const unsigned char *word, int n, unsigned char *out) {
  int length = 0;
  for (int i = 0; i < n && length < GAINSAY_WORD_MAX;) {
    unsigned codepoint;
    i += decode(word + i, n - i, &codepoint);
    unsigned folded = fold(codepoint);
    if (folded != 0) length += encode(folded, out + length);
  }
  return length;
}

static Script script_of(const unsigned char *word, int n) {
  int latin = 0, cyrillic = 0;
  for (int i = 0; i < n;) {
    unsigned c;
    i += decode(word + i, n - i, &c);
    if ((c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0x24F && c != 0xF7)) {
      latin = 1;
    } else if (c >= 0x0430 && c <= 0x045F) {
      cyrillic = 1;
    } else {
      return SCRIPT_OTHER;
    }
  }
  if (latin && cyrillic) return SCRIPT_OTHER;
  return cyrillic ? SCRIPT_CYRILLIC : latin ? SCRIPT_LATIN : SCRIPT_OTHER;
}

/// Emits one word (already folded by unicode61) spanning [start, end) of the text.
static int emit_word(Tokenization *t, const unsigned char *word, int n, int start, int end) {
  unsigned char form[GAINSAY_WORD_MAX + 8];
  form[0] = GAINSAY_FORM_MARK;
  int length = n <= GAINSAY_WORD_MAX ? fold_word(word, n, form + 1) : 0;
  if (n > GAINSAY_WORD_MAX) {
    return t->emit == EMIT_FORM ? SQLITE_OK : t->xToken(t->context, 0, (const char *)word, n, start, end);
  }
  if (length == 0) return SQLITE_OK;
  if (t->emit == EMIT_FORM) {
    return t->xToken(t->context, 0, (const char *)form, length + 1, start, end);
  }
  const unsigned char *stem = form + 1;
  int stemLength = length;
  Script script = script_of(form + 1, length);
  struct sb_stemmer *stemmer = script == SCRIPT_CYRILLIC ? t->tokenizer->russian
                               : script == SCRIPT_LATIN  ? t->tokenizer->english
                                                         : 0;
  if (stemmer != 0) {
    const sb_symbol *stemmed = sb_stemmer_stem(stemmer, form + 1, length);
    if (stemmed == 0) return SQLITE_NOMEM;
    stem = stemmed;
    stemLength = sb_stemmer_length(stemmer);
  }
  int rc = t->xToken(t->context, 0, (const char *)stem, stemLength, start, end);
  if (rc != SQLITE_OK || t->emit == EMIT_STEM) return rc;
  return t->xToken(t->context, FTS5_TOKEN_COLOCATED, (const char *)form, length + 1, start, end);
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
    unsigned c;
    int size = decode(s + i, n - i, &c);
    if (is_apostrophe(c)) {
      if (count == GAINSAY_PARTS_MAX) return -1;
      parts[count++] = (Part){start, i - start};
      start = i + size;
    }
    i += size;
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
  Tokenization t = {self, context, xToken, text, 0, EMIT_STEM_AND_FORM};
  if (flags & FTS5_TOKENIZE_QUERY) {
    t.emit = (flags & FTS5_TOKENIZE_PREFIX) ? EMIT_FORM : EMIT_STEM;
    if (n > 0 && text[0] == GAINSAY_FORM_MARK) {
      t.emit = EMIT_FORM;
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
  sb_stemmer_delete(self->english);
  sb_stemmer_delete(self->russian);
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
  if (rc == SQLITE_OK) {
    self->english = sb_stemmer_new("english", 0);
    self->russian = sb_stemmer_new("russian", 0);
    if (self->english == 0 || self->russian == 0) rc = SQLITE_NOMEM;
  }
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
